using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Neon.Testing.Engine.Isolation;

namespace Neon.Testing.Engine.Session;

/// <summary>What a session did: branches, migrations, resets and time spent isolating. Thread-safe.</summary>
public sealed class SessionStatistics
{
    private readonly ConcurrentDictionary<TestIsolation, int> _testsByLevel = new();
    private readonly ConcurrentQueue<LeftBranch> _branchesLeft = new();
    private readonly ConcurrentQueue<KeptBranch> _branchesKept = new();
    private readonly ConcurrentQueue<string> _warnings = new();
    private readonly ConcurrentQueue<KeyValuePair<string, TimeSpan>> _setupPhases = new();
    private long _branchesCreated;
    private long _branchesDeleted;
    private long _resetsClean;
    private long _resetsRestored;
    private long _resetsFull;
    private long _isolationTicks;
    private long _branchesFromSpares;
    private long _branchesSpared;
    private long _turnsWaited;
    private long _turnWaitTicks;
    private long _turnsSkipped;
    private Func<long> _apiCalls = () => 0;

    /// <summary>Provider name (<c>Local</c>, <c>Neon</c>).</summary>
    public string Provider { get; internal set; } = "";

    /// <summary>Branches this session created.</summary>
    public long BranchesCreated => Interlocked.Read(ref _branchesCreated);

    /// <summary>Branches this session deleted.</summary>
    public long BranchesDeleted => Interlocked.Read(ref _branchesDeleted);

    /// <summary>Branches of <see cref="BranchesCreated"/> that were spares earlier sessions left (renamed, not cloned; local engine).</summary>
    public long BranchesFromSpares => Interlocked.Read(ref _branchesFromSpares);

    /// <summary>Branches in the migrated state the session left as spares for the next one instead of deleting them (local engine).</summary>
    public long BranchesSpared => Interlocked.Read(ref _branchesSpared);

    /// <summary>
    /// What became of the session's branches, as the summaries say it: <c>created N, deleted N</c>, and on the local engine
    /// <c>, left as spares for the next run N (N created from spares)</c> when spares were taken or left.
    /// </summary>
    public string DescribeBranches() =>
        string.Create(CultureInfo.InvariantCulture, $"created {BranchesCreated}, deleted {BranchesDeleted}")
        + (BranchesSpared > 0 || BranchesFromSpares > 0
            ? string.Create(CultureInfo.InvariantCulture, $", left as spares for the next run {BranchesSpared} ({BranchesFromSpares} created from spares)")
            : "");

    /// <summary>Branches the session was to delete but could not, each with how it will go away.</summary>
    public IReadOnlyCollection<LeftBranch> BranchesLeft => _branchesLeft;

    /// <summary>Things the run should say out loud (a migration command that created no table), in the order they happened.</summary>
    public IReadOnlyCollection<string> Warnings => _warnings;

    /// <summary>Migration files or commands applied (0 when the migrated template was reused).</summary>
    public int MigrationsApplied { get; internal set; }

    /// <summary>Whether a cached migrated template was reused instead of migrating.</summary>
    public bool MigrationsReused { get; internal set; }

    /// <summary>Time from session start until the first test could run.</summary>
    public TimeSpan SetupTime { get; internal set; }

    /// <summary>
    /// Where session start spent its time, phase by phase in the order they ended (<c>provider</c>, <c>fingerprint</c>,
    /// <c>template</c>, <c>default-database</c>, ...). Phases that ran concurrently overlap, so they may add up to more than <see cref="SetupTime"/>.
    /// </summary>
    public IReadOnlyCollection<KeyValuePair<string, TimeSpan>> SetupPhases => _setupPhases;

    /// <summary>Resets that found nothing to do.</summary>
    public long ResetsClean => Interlocked.Read(ref _resetsClean);

    /// <summary>Resets that restored touched tables.</summary>
    public long ResetsRestored => Interlocked.Read(ref _resetsRestored);

    /// <summary>Resets of the whole branch.</summary>
    public long ResetsFull => Interlocked.Read(ref _resetsFull);

    /// <summary>Time spent resetting branches between tests.</summary>
    public TimeSpan IsolationTime => TimeSpan.FromTicks(Interlocked.Read(ref _isolationTicks));

    /// <summary>Remote API calls made by the provider so far.</summary>
    public long ApiCalls => _apiCalls();

    /// <summary>Isolated tests that waited for another to end before they could start (<see cref="ConcurrentTests.Serial"/>).</summary>
    public long TurnsWaited => Interlocked.Read(ref _turnsWaited);

    /// <summary>Wall time those tests waited, in all.</summary>
    public TimeSpan TurnWaitTime => TimeSpan.FromTicks(Interlocked.Read(ref _turnWaitTicks));

    /// <summary>Serial tests that found the branch busy but could not wait (their host's thread may be the one the running test needs), and got a branch of their own.</summary>
    public long TurnsSkipped => Interlocked.Read(ref _turnsSkipped);

    /// <summary>Tests seen per isolation level.</summary>
    public IReadOnlyDictionary<TestIsolation, int> TestsByLevel => _testsByLevel;

    /// <summary>Counts a test run at <paramref name="level"/>.</summary>
    public void RecordTest(TestIsolation level) => _testsByLevel.AddOrUpdate(level, 1, (_, n) => n + 1);

    /// <summary>Counts a reset and its duration.</summary>
    public void RecordReset(ResetResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        switch (result.Kind)
        {
            case ResetKind.Clean:
                Interlocked.Increment(ref _resetsClean);
                break;
            case ResetKind.Restored:
                Interlocked.Increment(ref _resetsRestored);
                break;
            default:
                Interlocked.Increment(ref _resetsFull);
                break;
        }

        Interlocked.Add(ref _isolationTicks, result.Elapsed.Ticks);
    }

    internal void CountApiCallsOf(IBranchProvider provider) => _apiCalls = () => provider.ApiCalls;

    internal void RecordBranchCreated() => Interlocked.Increment(ref _branchesCreated);

    internal void RecordBranchDeleted() => Interlocked.Increment(ref _branchesDeleted);

    internal void RecordBranchFromSpare() => Interlocked.Increment(ref _branchesFromSpares);

    internal void RecordBranchSpared() => Interlocked.Increment(ref _branchesSpared);

    internal void RecordTurnSkipped() => Interlocked.Increment(ref _turnsSkipped);

    internal void RecordTurnWaited(TimeSpan waited)
    {
        Interlocked.Increment(ref _turnsWaited);
        Interlocked.Add(ref _turnWaitTicks, waited.Ticks);
    }

    internal void RecordSetupPhase(string phase, TimeSpan elapsed) => _setupPhases.Enqueue(new(phase, elapsed));

    internal void RecordWarning(string warning) => _warnings.Enqueue(warning);

    internal void RecordBranchLeft(string name, string howItGoes) => _branchesLeft.Enqueue(new LeftBranch(name, howItGoes));

    /// <summary>Failed tests' branches kept as they were at the failure (<see cref="NeonTestingOptions.KeepFailedBranches"/>).</summary>
    public IReadOnlyCollection<KeptBranch> BranchesKept => _branchesKept;

    internal void RecordBranchKept(KeptBranch kept) => _branchesKept.Enqueue(kept);

    /// <summary>The statistics as a JSON object (snake_case keys).</summary>
    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["provider"] = Provider,
        ["branches_created"] = BranchesCreated,
        ["branches_deleted"] = BranchesDeleted,
        ["branches_from_spares"] = BranchesFromSpares,
        ["branches_spared"] = BranchesSpared,
        ["migrations_applied"] = MigrationsApplied,
        ["migrations_reused"] = MigrationsReused,
        ["setup_ms"] = Math.Round(SetupTime.TotalMilliseconds, 1),
        ["setup_phases_ms"] = _setupPhases.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => Math.Round(g.Sum(p => p.Value.TotalMilliseconds), 1)),
        ["resets_clean"] = ResetsClean,
        ["resets_restored"] = ResetsRestored,
        ["resets_full"] = ResetsFull,
        ["isolation_ms"] = Math.Round(IsolationTime.TotalMilliseconds, 1),
        ["api_calls"] = ApiCalls,
        ["turns_waited"] = TurnsWaited,
        ["turn_wait_ms"] = Math.Round(TurnWaitTime.TotalMilliseconds, 1),
        ["turns_skipped"] = TurnsSkipped,
        ["warnings"] = _warnings.ToArray(),
        ["tests_by_level"] = _testsByLevel.ToDictionary(p => p.Key.ToString(), p => p.Value),
    }, new JsonSerializerOptions { WriteIndented = true });
}
