using System.Diagnostics;
using System.Globalization;
using Neon.Testing.Engine.Isolation;
using Npgsql;

namespace Neon.Testing.Benchmarks;

/// <summary>
/// How the reset grows with the schema (500 and 2,000 tables) and with a seeded table (100k and 1M rows, a test changing one
/// row), as a superuser and as the owner; every connection goes through a proxy without delay that counts round trips.
/// Also reports each size's install time and baseline size.
/// </summary>
internal static class Growth
{
    public sealed record Size(string Name, int Tables, int BigRows);

    public static async Task<List<Measurement>> RunAsync(
        BenchCluster cluster, string owner, int serverPort, IReadOnlyList<Size> sizes, int iterations, List<string> notes,
        Func<IReadOnlyList<IIsolationStrategy>, IEnumerable<Scenario>, Func<string, Scenario, int>, LatencyProxy?, List<string>, Task<List<Measurement>>> run,
        CancellationToken cancellationToken)
    {
        var measured = new List<Measurement>();
        await using var proxy = LatencyProxy.Start(serverPort, TimeSpan.Zero);
        await using var counted = cluster.Through(proxy.Port, "_g");
        foreach (var size in sizes)
        {
            var strategies = new List<IIsolationStrategy>();
            foreach (var role in new[] { null, owner })
            {
                var suffix = $"{size.Name}{(role is null ? "" : "_o")}";
                var plain = $"{cluster.Prefix}_g{suffix}_plain";
                var tracked = $"{cluster.Prefix}_g{suffix}_tracked";
                await cluster.CreateAsync(plain, cancellationToken: cancellationToken, owner: role);
                await using (var connection = new NpgsqlConnection(role is null ? cluster.ConnectionString(plain, pooling: false) : cluster.RoleConnectionString(plain, role, pooling: false)))
                {
                    await connection.OpenAsync(cancellationToken);
                    await using var command = new NpgsqlCommand(BenchSchema.Create(size.Tables, size.BigRows), connection) { CommandTimeout = 900 };
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                await cluster.CreateAsync(tracked, plain, cancellationToken, role);
                var installing = Stopwatch.StartNew();
                var installation = await TrackingInstaller.InstallAsync(
                    role is null ? cluster.ConnectionString(tracked, pooling: false) : cluster.RoleConnectionString(tracked, role, pooling: false),
                    new TrackingScope { Schemas = ["app"] }, cancellationToken);
                var installMs = installing.Elapsed.TotalMilliseconds;
                var baseline = await cluster.ScalarAsync(tracked, """
                    SELECT pg_size_pretty(coalesce(sum(pg_total_relation_size(c.oid)), 0)) || ' (' || coalesce(sum(pg_total_relation_size(c.oid)), 0) || ' bytes)'
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'neon_testing' AND c.relkind = 'r'
                    """, cancellationToken);
                var name = role is null ? "ours" : "ours_owner";
                var line = string.Create(CultureInfo.InvariantCulture, $"growth {size.Name}: {name} install {installMs:0} ms, baseline {baseline}, {installation.TrackedTables} tables, {installation.SchemaChangeDetection}");
                Console.WriteLine(line);
                notes.Add(line);
                strategies.Add(new OursStrategy(counted, tracked, $"{name}", role, $"g{suffix}"));
            }

            try
            {
                foreach (var strategy in strategies)
                {
                    await strategy.PrepareAsync(cancellationToken);
                }

                Scenario[] scenarios = size.BigRows > 0 ? [Scenario.SeedChange] : [Scenario.Clean, Scenario.TwoTables];
                foreach (var row in await run(strategies, scenarios, (_, _) => iterations, proxy, notes))
                {
                    measured.Add(row with { Scenario = $"{row.Scenario.Split('@')[0]}@{size.Name}" });
                }
            }
            finally
            {
                foreach (var strategy in strategies)
                {
                    await strategy.DisposeAsync();
                }
            }
        }

        return measured;
    }
}
