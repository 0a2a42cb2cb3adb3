using Microsoft.AspNetCore.Mvc.Testing;

namespace Neon.Testing.AspNetCore;

/// <summary>Neon.Testing for any <see cref="WebApplicationFactory{TEntryPoint}"/>, including your own subclasses.</summary>
public static class WebApplicationFactoryExtensions
{
    /// <summary>
    /// The app bound to the calling test's database (<see cref="NeonDatabase.ConnectionString"/>): a
    /// <see cref="WebApplicationFactory{TEntryPoint}.WithWebHostBuilder"/> of <paramref name="factory"/> that sets
    /// <c>NeonEnvVar</c> and <c>ConnectionStrings:&lt;NeonConnectionStringName&gt;</c> to it, cached per branch and
    /// disposed with <paramref name="factory"/>. Its Npgsql data sources are cleared when a reset kills their connections.
    /// </summary>
    /// <exception cref="InvalidOperationException">No Neon test session runs in this process.</exception>
    public static WebApplicationFactory<TEntryPoint> ForCurrentTest<TEntryPoint>(this WebApplicationFactory<TEntryPoint> factory)
        where TEntryPoint : class => BranchFactories.ForCurrentTest(factory);
}
