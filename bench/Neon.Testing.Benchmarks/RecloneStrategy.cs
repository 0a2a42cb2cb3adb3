using Neon.Testing.Engine.Isolation;
using Npgsql;

namespace Neon.Testing.Benchmarks;

/// <summary>
/// Re-clone after every test: DROP DATABASE ... WITH (FORCE) and CREATE DATABASE ... TEMPLATE, then clear the pools.
/// Tuned: terminate the database's connections and wait for them to exit before the DROP, which then skips its 100 ms polls.
/// </summary>
internal sealed class RecloneStrategy(BenchCluster cluster, string template, bool tuned = false) : IIsolationStrategy
{
    private readonly string _database = cluster.Prefix + (tuned ? "_reclone_tuned" : "_reclone");
    private NpgsqlConnection? _admin;
    private DatabaseSnapshot? _baseline;

    public string Name => tuned ? "reclone_tuned" : "reclone";

    public string? Note => tuned
        ? "as reclone, but the database's connections are terminated and waited for before DROP DATABASE, which otherwise polls in 100 ms steps while any connection is still there"
        : $"DROP DATABASE ... WITH (FORCE) (the test's pooled connection still open, as test code leaves it), CREATE DATABASE ... STRATEGY {cluster.CloneStrategy} (the faster strategy here)";

    public bool Supports(Scenario scenario) => true;

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        await cluster.CreateAsync(_database, template, cancellationToken);
        _admin = new NpgsqlConnection(cluster.ConnectionString("postgres", pooling: false));
        await _admin.OpenAsync(cancellationToken);
        _baseline = await cluster.SnapshotAsync(_database, cancellationToken);
    }

    public async Task RunTestAsync(Scenario scenario, int iteration, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString(_database));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(BenchSchema.Workload(scenario, iteration), connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task IsolateAsync(CancellationToken cancellationToken)
    {
        await cluster.RecloneAsync(_admin!, _database, template, cancellationToken, waitForBackends: tuned);
        NpgsqlConnection.ClearAllPools();
    }

    public async Task<IReadOnlyList<string>> VerifyAsync(CancellationToken cancellationToken)
        => (await cluster.SnapshotAsync(_database, cancellationToken)).DifferencesFrom(_baseline!);

    public async ValueTask DisposeAsync()
    {
        if (_admin is not null)
        {
            await _admin.DisposeAsync();
        }
    }
}
