using Neon.Testing.Engine.Isolation;
using Npgsql;

namespace Neon.Testing.Benchmarks;

/// <summary>Change tracking: the branch carries tracking from its template; the step is <see cref="ChangeTracker.ResetAsync"/>.</summary>
internal sealed class OursStrategy(BenchCluster cluster, string template, string name = "ours", string? role = null, string? suffix = null) : IIsolationStrategy
{
    private readonly string _database = $"{cluster.Prefix}_{name}{suffix}";
    private readonly Dictionary<ResetKind, int> _kinds = [];
    private NpgsqlConnection? _admin;
    private ChangeTracker? _tracker;
    private DatabaseSnapshot? _baseline;
    private int _stampsBefore;
    private int _fingerprintsBefore;

    public string Name => name;

    public string? Note => role is null ? null : name == "ours_neon"
        ? $"Neon's role: neondb_owner is not a superuser, but as a member of neon_superuser it may create event triggers (Neon supports them); modelled by installing as the owner while it is briefly a superuser, then resetting as the plain owner: {_tracker?.RestoreMode}, {_tracker?.SchemaChangeDetection}"
        : $"as a database owner that is not a superuser and may not create event triggers (a shared self-hosted server): {_tracker?.RestoreMode}, {_tracker?.SchemaChangeDetection}";

    public IReadOnlyDictionary<ResetKind, int> Kinds => _kinds;

    /// <summary>What the test and the tracker connect with: the owner role when there is one.</summary>
    private string TestConnectionString => role is null ? cluster.ConnectionString(_database) : cluster.RoleConnectionString(_database, role);

    public string? LastReason { get; private set; }

    public bool Supports(Scenario scenario) => true;

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        await cluster.CreateAsync(_database, template, cancellationToken, role);
        _admin = new NpgsqlConnection(cluster.ConnectionString("postgres", pooling: false));
        await _admin.OpenAsync(cancellationToken);
        // The full reset the product's Local provider performs: end the branch's connections and wait
        // for them (LocalBranchProvider.ResetBranchAsync), then drop and re-clone.
        // The session then clears the branch's pools (Session/BranchConnectionPools): the next test must not get a dead connection.
        _tracker = await ChangeTracker.AttachAsync(TestConnectionString, async ct =>
        {
            await cluster.RecloneAsync(_admin, _database, template, ct, role, waitForBackends: true);
            await using var pooled = new NpgsqlConnection(TestConnectionString);
            NpgsqlConnection.ClearPool(pooled);
        }, logger: null, cancellationToken);
        _baseline = await cluster.SnapshotAsync(_database, cancellationToken);
    }

    public async Task RunTestAsync(Scenario scenario, int iteration, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(TestConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(BenchSchema.Workload(scenario, iteration), connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task IsolateAsync(CancellationToken cancellationToken)
    {
        var result = await _tracker!.ResetAsync(cancellationToken);
        _kinds[result.Kind] = _kinds.GetValueOrDefault(result.Kind) + 1;
        LastReason = result.Reason;
    }

    public void ClearKinds()
    {
        _kinds.Clear();
        _stampsBefore = _tracker?.StampsComputed ?? 0;
        _fingerprintsBefore = _tracker?.FingerprintsComputed ?? 0;
    }

    /// <summary>Since <see cref="ClearKinds"/>: checks that counted catalog rows (the horizon moved) and that fingerprinted the catalog.</summary>
    public (int Stamps, int Fingerprints) SchemaChecks => ((_tracker?.StampsComputed ?? 0) - _stampsBefore, (_tracker?.FingerprintsComputed ?? 0) - _fingerprintsBefore);

    public async Task<IReadOnlyList<string>> VerifyAsync(CancellationToken cancellationToken)
        => (await cluster.SnapshotAsync(_database, cancellationToken)).DifferencesFrom(_baseline!);

    public async ValueTask DisposeAsync()
    {
        if (_tracker is not null)
        {
            await _tracker.DisposeAsync();
        }

        if (_admin is not null)
        {
            await _admin.DisposeAsync();
        }
    }
}
