using Microsoft.Testing.Platform.Builder;
using Microsoft.Testing.Platform.Extensions;

namespace Neon.Testing.Platform;

/// <summary>Registration of the Neon.Testing extension on a Microsoft.Testing.Platform application.</summary>
public static class NeonTestingExtensions
{
    /// <summary>
    /// Adds the <c>--neon-*</c> options, the session lifecycle (branches created before the first test,
    /// deleted after the last) and per-test isolation for frameworks that report a test before running it.
    /// </summary>
    public static void AddNeonTesting(this ITestApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.CommandLine.AddProvider(() => new NeonTestingCommandLineOptionsProvider());

        // One instance is both the session handler and the blocking consumer: they share the test run.
        var handler = new CompositeExtensionFactory<NeonTestingSessionHandler>(serviceProvider => new NeonTestingSessionHandler(serviceProvider));
        builder.TestHost.AddTestSessionLifetimeHandler(handler);
        builder.TestHost.AddDataConsumer(handler);
    }
}
