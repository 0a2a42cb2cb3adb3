using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Neon.Testing.Engine.Session;
using Neon.Testing.Hosting;
using Npgsql;

namespace Neon.Testing.AspNetCore;

/// <summary>
/// Clears the hosted app's own <see cref="NpgsqlDataSource"/>s (<c>AddNpgsqlDataSource</c>, keyed or not,
/// and EF Core's <c>UseNpgsql(dataSource)</c>) when the session reports that a reset killed the connections
/// of the branch they point at. Npgsql's global pools (plain connection strings, EF Core's
/// <c>UseNpgsql(connectionString)</c>) are the session's own business; it clears them itself.
/// </summary>
internal sealed class DataSourceGuard(IServiceProvider services, DataSourceGuard.Registrations registrations) : IHostedService
{
    private TestDatabaseSession? _session;

    /// <summary>Adds the guard to an app's services, after the app's own registrations.</summary>
    public static void Register(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(Registrations)))
        {
            return;
        }

        var keys = services
            .Where(d => d.ServiceType == typeof(NpgsqlDataSource) || d.ServiceType == typeof(DbDataSource))
            .Select(d => (d.ServiceType, d.ServiceKey))
            .Distinct()
            .ToArray();
        services.AddSingleton(new Registrations(keys));
        services.AddHostedService<DataSourceGuard>();
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _session = NeonTestRun.Current?.Session;
        _session?.BranchConnectionsReset += OnConnectionsReset;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _session?.BranchConnectionsReset -= OnConnectionsReset;
        _session = null;
        return Task.CompletedTask;
    }

    /// <summary>Subscribes to <paramref name="session"/> directly (tests that run a session without a test run).</summary>
    internal void Watch(TestDatabaseSession session)
    {
        _session = session;
        session.BranchConnectionsReset += OnConnectionsReset;
    }

    internal void OnConnectionsReset(object? sender, BranchConnectionsResetEventArgs e)
    {
        foreach (var dataSource in DataSources().Distinct())
        {
            if (e.Reaches(dataSource.ConnectionString))
            {
                dataSource.Clear();
            }
        }
    }

    private IEnumerable<NpgsqlDataSource> DataSources()
    {
        foreach (var (type, key) in registrations.Services)
        {
            object? service;
            try
            {
                service = key is null ? services.GetService(type) : (services as IKeyedServiceProvider)?.GetKeyedService(type, key);
            }
            catch (ObjectDisposedException)
            {
                // The app is stopping; its data sources go with it.
                yield break;
            }

            if (service is NpgsqlDataSource dataSource)
            {
                yield return dataSource;
            }
        }
    }

    /// <summary>The data-source registrations of the app, found once its own services were added.</summary>
    internal sealed record Registrations(IReadOnlyList<(Type Type, object? Key)> Services);
}
