using System.Text;
using Neon.Testing.Engine.Isolation;
using Npgsql;

namespace Neon.Testing.Benchmarks;

/// <summary>The floor: the test runs inside a transaction on one connection, and the step is ROLLBACK.</summary>
internal sealed class RollbackStrategy(BenchCluster cluster, string template) : IIsolationStrategy
{
    private readonly string _database = cluster.Prefix + "_rollback";
    private NpgsqlConnection? _connection;
    private NpgsqlCommand? _rollback;
    private string? _rewindSequences;
    private DatabaseSnapshot? _baseline;

    public string Name => "rollback";

    public string? Note => "ROLLBACK leaves sequences advanced; they are set back outside the timing before each verification";

    public bool Supports(Scenario scenario) => true;

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        await cluster.CreateAsync(_database, template, cancellationToken);
        _connection = new NpgsqlConnection(cluster.ConnectionString(_database, pooling: false));
        await _connection.OpenAsync(cancellationToken);
        _rollback = new NpgsqlCommand("ROLLBACK", _connection);
        await _rollback.PrepareAsync(cancellationToken);

        var sequences = new List<string>();
        await using (var command = new NpgsqlCommand("SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = 'app'", _connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                sequences.Add(reader.GetString(0));
            }
        }

        var rewind = new StringBuilder();
        foreach (var sequence in sequences)
        {
            await using var command = new NpgsqlCommand($"SELECT format('SELECT setval(%L, %s, %L);', $1::text, last_value, is_called) FROM {sequence}", _connection);
            command.Parameters.Add(new() { Value = sequence });
            rewind.AppendLine((string)(await command.ExecuteScalarAsync(cancellationToken))!);
        }

        _rewindSequences = rewind.ToString();
        _baseline = await cluster.SnapshotAsync(_database, cancellationToken);
    }

    public async Task RunTestAsync(Scenario scenario, int iteration, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("BEGIN;\n" + BenchSchema.Workload(scenario, iteration), _connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task IsolateAsync(CancellationToken cancellationToken) => _rollback!.ExecuteNonQueryAsync(cancellationToken);

    public async Task<IReadOnlyList<string>> VerifyAsync(CancellationToken cancellationToken)
    {
        await using (var rewind = new NpgsqlCommand(_rewindSequences, _connection))
        {
            await rewind.ExecuteNonQueryAsync(cancellationToken);
        }

        return (await cluster.SnapshotAsync(_database, cancellationToken)).DifferencesFrom(_baseline!);
    }

    public async ValueTask DisposeAsync()
    {
        if (_rollback is not null)
        {
            await _rollback.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
