using Microsoft.Testing.Platform.Builder;
using Microsoft.Testing.Platform.Extensions;

namespace Neon.Testing.Platform;

/// <summary>Registration of the Neon.Testing extension on a Microsoft.Testing.Platform application.</summary>
public static class NeonTestingExtensions
{
    /// <summary>
    /// Adds the <c>--neon-*</c> options and the session lifecycle (branches created before the first test,
    /// deleted after the last, and the summary). Each test is bracketed in-process by its framework's hook
    /// (<c>Neon.Testing.MSTest</c>, <c>Neon.Testing.NUnit</c>), which the SDK wires with zero test code.
    /// </summary>
    public static void AddNeonTesting(this ITestApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.CommandLine.AddProvider(() => new NeonTestingCommandLineOptionsProvider());

        // AddTestSessionLifetimeHandle: the name every 2.x has (2.3 added the spelling with an r and kept this one).
#pragma warning disable CS0618
        builder.TestHost.AddTestSessionLifetimeHandle(serviceProvider => new NeonTestingSessionHandler(serviceProvider));
#pragma warning restore CS0618
    }
}
