using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Neon.Testing.AspNetCore;

/// <summary>What Neon.Testing adds to every app it hosts, after the app's own services.</summary>
internal static class HostedAppServices
{
    public static void Add(IServiceCollection services)
    {
        // Requests run in the calling test's execution context, so the app's commands are known to be that
        // test's: NeonDatabase and the check that concurrent tests keep to their own branches see the test.
        services.Configure<TestServerOptions>(options => options.PreserveExecutionContext = true);
        DataSourceGuard.Register(services);
    }
}
