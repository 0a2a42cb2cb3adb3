using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace Neon.Testing.AspNetCore;

/// <summary>
/// A <see cref="WebApplicationFactory{TEntryPoint}"/> for tests on Neon.Testing databases. Call
/// <see cref="ForCurrentTest"/> in each test for the app bound to that test's own database (one host per
/// branch, reused by later tests on the same branch); the factory itself serves the process-wide database
/// (<c>DATABASE_URL</c>). Every app it hosts clears its own Npgsql data sources when a reset killed their connections.
/// </summary>
/// <typeparam name="TEntryPoint">A type of the app's assembly, usually its <c>Program</c>.</typeparam>
public class NeonWebApplicationFactory<TEntryPoint> : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    /// <summary>
    /// The app bound to the calling test's database (<see cref="NeonDatabase.ConnectionString"/>): created with
    /// its connection string on first use, cached per branch, disposed with this factory.
    /// </summary>
    /// <exception cref="InvalidOperationException">No Neon test session runs in this process.</exception>
    public WebApplicationFactory<TEntryPoint> ForCurrentTest() => BranchFactories.ForCurrentTest(this);

    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(HostedAppServices.Add);
    }
}
