using System.Globalization;
using Neon.Testing.Engine.Isolation;
using Npgsql;

namespace Neon.Testing.Benchmarks;

/// <summary>
/// What Respawn does on PostgreSQL: one TRUNCATE ... RESTART IDENTITY CASCADE of every table, then the seed rows put back
/// and their sequences set, all in one round trip on an open connection. It cannot undo schema changes.
/// </summary>
internal sealed class TruncateAllStrategy(BenchCluster cluster, string template) : IIsolationStrategy
{
    private readonly string _database = cluster.Prefix + "_truncate";
    private NpgsqlConnection? _connection;
    private NpgsqlCommand? _reset;
    private DatabaseSnapshot? _baseline;

    public string Name => "truncate_all";

    public string? Note => "cannot undo schema changes, so it has no ddl row";

    public bool Supports(Scenario scenario) => scenario != Scenario.Ddl;

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        await cluster.CreateAsync(_database, template, cancellationToken);
        _connection = new NpgsqlConnection(cluster.ConnectionString(_database, pooling: false));
        await _connection.OpenAsync(cancellationToken);
        var tables = string.Join(", ", Enumerable.Range(1, BenchSchema.Tables).Select(k => "app." + BenchSchema.Table(k)));
        _reset = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture, $"""
            TRUNCATE {tables} RESTART IDENTITY CASCADE;
            INSERT INTO app.t01 OVERRIDING SYSTEM VALUE SELECT * FROM bench_seed.t01;
            INSERT INTO app.t02 OVERRIDING SYSTEM VALUE SELECT * FROM bench_seed.t02;
            SELECT setval(pg_get_serial_sequence('app.t01', 'id'), {BenchSchema.SeedRows}), setval(pg_get_serial_sequence('app.t02', 'id'), {BenchSchema.SeedRows});
            """), _connection);
        _baseline = await cluster.SnapshotAsync(_database, cancellationToken);
    }

    public async Task RunTestAsync(Scenario scenario, int iteration, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString(_database));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(BenchSchema.Workload(scenario, iteration), connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task IsolateAsync(CancellationToken cancellationToken) => _reset!.ExecuteNonQueryAsync(cancellationToken);

    public async Task<IReadOnlyList<string>> VerifyAsync(CancellationToken cancellationToken)
        => (await cluster.SnapshotAsync(_database, cancellationToken)).DifferencesFrom(_baseline!);

    public async ValueTask DisposeAsync()
    {
        if (_reset is not null)
        {
            await _reset.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
