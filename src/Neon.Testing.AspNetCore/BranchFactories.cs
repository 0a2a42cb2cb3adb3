using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Neon.Testing.Hosting;

namespace Neon.Testing.AspNetCore;

/// <summary>
/// One derived factory per (factory, database): an app reads its connection string once at start-up, so
/// concurrent tests on different branches need a host each. Derived factories are owned by their parent,
/// which disposes them.
/// </summary>
internal static class BranchFactories
{
    private static readonly ConditionalWeakTable<object, ConcurrentDictionary<string, Lazy<object>>> ByParent = new();

    public static WebApplicationFactory<TEntryPoint> ForCurrentTest<TEntryPoint>(WebApplicationFactory<TEntryPoint> parent)
        where TEntryPoint : class
    {
        ArgumentNullException.ThrowIfNull(parent);
        return For(parent, NeonDatabase.ConnectionString, NeonTestRun.Current?.Options.EnvVar ?? "DATABASE_URL", NeonTestRun.Current?.Options.ConnectionStringName);
    }

    /// <summary>The factory of <paramref name="parent"/> whose app uses <paramref name="connectionString"/>.</summary>
    public static WebApplicationFactory<TEntryPoint> For<TEntryPoint>(WebApplicationFactory<TEntryPoint> parent, string connectionString, string envVar, string? connectionStringName)
        where TEntryPoint : class
    {
        var byDatabase = ByParent.GetValue(parent, static _ => new ConcurrentDictionary<string, Lazy<object>>(StringComparer.Ordinal));
        return (WebApplicationFactory<TEntryPoint>)byDatabase.GetOrAdd(
            connectionString,
            cs => new Lazy<object>(() => parent.WithWebHostBuilder(builder => Bind(builder, cs, envVar, connectionStringName)))).Value;
    }

    private static void Bind(IWebHostBuilder builder, string connectionString, string envVar, string? connectionStringName)
    {
        // Host settings reach WebApplicationBuilder.Configuration before Program reads it, and win over the
        // process-wide environment variables, which name another branch.
        builder.UseSetting(envVar, connectionString);
        if (!string.IsNullOrEmpty(connectionStringName))
        {
            builder.UseSetting($"ConnectionStrings:{connectionStringName}", connectionString);
        }

        builder.ConfigureTestServices(HostedAppServices.Add);
    }
}
