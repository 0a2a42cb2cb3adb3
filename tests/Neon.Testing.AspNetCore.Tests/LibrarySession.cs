using System.Reflection;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Session;

namespace Neon.Testing.AspNetCore.Tests;

/// <summary>A session on the embedded PostgreSQL migrated with the Library sample's schema, and apps hosted on its branches.</summary>
internal static class LibrarySession
{
    public static Task<TestDatabaseSession> StartAsync(CancellationToken cancellationToken) =>
        TestDatabaseSession.StartAsync(
            NeonTestingOptions.Parse(new Dictionary<string, string?>
            {
                [NeonSettings.Provider] = "Local",
                [NeonSettings.Migrations] = typeof(LibrarySession).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "LibraryMigrations").Value,
                [NeonSettings.LocalDataDirectory] = TestPostgres.RootDirectory,
            }),
            NullLogger.Instance,
            cancellationToken);

    /// <summary>The app on <paramref name="connectionString"/>, as <see cref="BranchFactories"/> binds it.</summary>
    public static WebApplicationFactory<Program> AppOn(WebApplicationFactory<Program> parent, string connectionString) =>
        BranchFactories.For(parent, connectionString, "DATABASE_URL", "Library");

    /// <summary>Has the app's guard listen to <paramref name="session"/> (no test run is active in these tests).</summary>
    public static void Guard(WebApplicationFactory<Program> app, TestDatabaseSession session) =>
        app.Services.GetServices<IHostedService>().OfType<DataSourceGuard>().Single().Watch(session);
}
