using System.Globalization;
using Neon.Testing.Engine.Isolation;
using Npgsql;
using Respawn;
using Respawn.Graph;

namespace Neon.Testing.Benchmarks;

/// <summary>
/// Respawn 7 as its users configure it, on an open connection (as the owner role when there is one):
/// <list type="bullet">
/// <item><c>respawn_ignore</c>: the seeded tables in <c>TablesToIgnore</c> (fast, but a test that changes seed rows leaks);</item>
/// <item><c>respawn</c>: reset every table, then put the seed rows back and set their sequences (correct), in a second round trip.</item>
/// </list>
/// It cannot undo schema changes. A leak is counted, not hidden: the same verification runs after every reset.
/// </summary>
internal sealed class RespawnStrategy(BenchCluster cluster, string template, bool ignoreSeeded, string? role = null) : IIsolationStrategy
{
    private readonly string _database = cluster.Prefix + (ignoreSeeded ? "_respawn_ignore" : "_respawn") + (role is null ? "" : "_owner");
    private NpgsqlConnection? _connection;
    private Respawner? _respawner;
    private NpgsqlCommand? _reseed;
    private DatabaseSnapshot? _baseline;

    public string Name => (ignoreSeeded ? "respawn_ignore" : "respawn") + (role is null ? "" : "_owner");

    /// <summary>Whether leaks are this strategy's known behaviour (seed rows left changed), rather than a failure of the benchmark.</summary>
    public bool LeaksByDesign => ignoreSeeded;

    public string? Note => ignoreSeeded
        ? "Respawn 7.0.0, TablesToIgnore = the seeded tables (t01, t02), WithReseed: a test that changes seed rows leaks them into the next test"
        : "Respawn 7.0.0 over every table (TRUNCATE ... CASCADE, sequences restarted), then the seed rows re-inserted and their sequences set (a second round trip)";

    private string ConnectionString => role is null ? cluster.ConnectionString(_database, pooling: false) : cluster.RoleConnectionString(_database, role, pooling: false);

    public bool Supports(Scenario scenario) => scenario != Scenario.Ddl;

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        await cluster.CreateAsync(_database, template, cancellationToken, role);
        _connection = new NpgsqlConnection(ConnectionString);
        await _connection.OpenAsync(cancellationToken);
        _respawner = await Respawner.CreateAsync(_connection, new RespawnerOptions
        {
            DbAdapter = DbAdapter.Postgres,
            SchemasToInclude = ["app"],
            TablesToIgnore = ignoreSeeded ? [new Table("app", "t01"), new Table("app", "t02")] : [],
            WithReseed = true,
        });
        if (!ignoreSeeded)
        {
            _reseed = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture, $"""
                INSERT INTO app.t01 OVERRIDING SYSTEM VALUE SELECT * FROM bench_seed.t01;
                INSERT INTO app.t02 OVERRIDING SYSTEM VALUE SELECT * FROM bench_seed.t02;
                SELECT setval(pg_get_serial_sequence('app.t01', 'id'), {BenchSchema.SeedRows}), setval(pg_get_serial_sequence('app.t02', 'id'), {BenchSchema.SeedRows});
                """), _connection);
        }

        _baseline = await cluster.SnapshotAsync(_database, cancellationToken);
    }

    public async Task RunTestAsync(Scenario scenario, int iteration, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(role is null ? cluster.ConnectionString(_database) : cluster.RoleConnectionString(_database, role));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(BenchSchema.Workload(scenario, iteration), connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task IsolateAsync(CancellationToken cancellationToken)
    {
        await _respawner!.ResetAsync(_connection!);
        if (_reseed is not null)
        {
            await _reseed.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task<IReadOnlyList<string>> VerifyAsync(CancellationToken cancellationToken)
    {
        var differences = (await cluster.SnapshotAsync(_database, cancellationToken)).DifferencesFrom(_baseline!);
        if (differences.Count > 0 && ignoreSeeded)
        {
            // Counted as a leak; put the seed rows back outside the timing so one leak is not counted again by every later test.
            await using var repair = new NpgsqlCommand("""
                UPDATE app.t01 t SET name = s.name, qty = s.qty, created_at = s.created_at, parent_id = s.parent_id FROM bench_seed.t01 s WHERE s.id = t.id AND (t.*)::text IS DISTINCT FROM (s.*)::text;
                UPDATE app.t02 t SET name = s.name, qty = s.qty, created_at = s.created_at, parent_id = s.parent_id FROM bench_seed.t02 s WHERE s.id = t.id AND (t.*)::text IS DISTINCT FROM (s.*)::text;
                """, _connection);
            await repair.ExecuteNonQueryAsync(cancellationToken);
        }

        return differences;
    }

    public async ValueTask DisposeAsync()
    {
        if (_reseed is not null)
        {
            await _reseed.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
