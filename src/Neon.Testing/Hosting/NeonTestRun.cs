using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Isolation;
using Npgsql;

namespace Neon.Testing.Hosting;

/// <summary>
/// The per-process test run every host shares (MTP extension, NUnit and xUnit adapters): it owns
/// the core session, publishes the environment variables once, and brackets each test with the
/// connection its isolation level needs. The first host to start it owns it and disposes it.
/// </summary>
internal sealed class NeonTestRun : IAsyncDisposable
{
    private static readonly SemaphoreSlim StartGate = new(1, 1);
    private static readonly List<Func<string?>> KeyResolvers = [];
    private static NeonTestRun? _current;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<BranchSlot> _slots = [];
    private readonly List<TestScope> _running = [];
    private readonly Dictionary<string, BranchSlot> _slotsByDatabase = new(StringComparer.Ordinal);
    private readonly BranchSharingMonitor _monitor;
    private long _bracketTicks;
    private int _sharingViolations;
    private int _concurrentIsolated;
    private int _isolatedBranches;

    private NeonTestRun(TestDatabaseSession session, string host, TestIsolation defaultLevel)
    {
        Session = session;
        Host = host;
        DefaultLevel = defaultLevel;
        _monitor = new BranchSharingMonitor(this);
    }

    /// <summary>The run of this process, once a host has started it.</summary>
    public static NeonTestRun? Current => Volatile.Read(ref _current);

    public TestDatabaseSession Session { get; }

    public NeonTestingOptions Options => Session.Options;

    /// <summary>The host that started the run (<c>MTP</c>, <c>NUnit</c>, <c>xUnit</c>).</summary>
    public string Host { get; }

    /// <summary>Level of tests that name none: the assembly's attribute, else <c>NeonIsolation</c>.</summary>
    public TestIsolation DefaultLevel { get; }

    /// <summary>What the environment variables hold for the whole process.</summary>
    public string DefaultConnectionString { get; private set; } = "";

    /// <summary>How long starting took until the first test could run (sweeper, migration branch, migrations, the default level's branch).</summary>
    public TimeSpan Startup { get; private set; }

    /// <summary>Wall time tests waited for their connection before and their reset after.</summary>
    public TimeSpan BracketTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _bracketTicks));

    /// <summary>Tests failed because they used another running test's isolated branch.</summary>
    public int SharingViolations => Volatile.Read(ref _sharingViolations);

    /// <summary>Isolated tests that ran while another isolated test was running and so got a branch of their own.</summary>
    public int ConcurrentIsolated => Volatile.Read(ref _concurrentIsolated);

    /// <summary>Number of isolated branches handed out (the primary one plus one per concurrent worker).</summary>
    public int IsolatedBranches => Volatile.Read(ref _isolatedBranches);

    /// <summary>Lets a host tell which test the calling code belongs to (e.g. MSTest's <c>TestContext.Current</c>).</summary>
    public static void RegisterTestKeyResolver(Func<string?> resolver)
    {
        lock (KeyResolvers)
        {
            KeyResolvers.Add(resolver);
        }
    }

    /// <summary>Reads <c>neon-testing.json</c> next to the test assembly, then <c>NEON_*</c> variables, then <paramref name="overrides"/>, the command-line options (later wins; errors name the source).</summary>
    public static NeonTestingOptions LoadOptions(IReadOnlyDictionary<string, string?>? overrides = null, string? baseDirectory = null)
    {
        var file = NeonConfigurationFile.LoadLayer(baseDirectory ?? AppContext.BaseDirectory);
        return NeonTestingOptions.Parse(file, Engine.Configuration.SettingLayer.Environment(), Engine.Configuration.SettingLayer.CommandLine(overrides ?? new Dictionary<string, string?>()));
    }

    /// <summary>Starts the run, or joins the one another host of this process already started.</summary>
    /// <returns>The run and whether this call created it (and so must dispose it).</returns>
    public static async Task<(NeonTestRun Run, bool Created)> StartOrJoinAsync(
        Func<NeonTestingOptions> options, string host, Assembly? testAssembly, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await StartGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Current is { } running)
            {
                return (running, false);
            }

            var resolved = options();
            var started = Stopwatch.GetTimestamp();
            var session = await TestDatabaseSession.StartAsync(resolved, logger, cancellationToken).ConfigureAwait(false);
            var defaultLevel = IsolationResolver.ForAssembly(testAssembly) ?? resolved.Isolation;
            var run = new NeonTestRun(session, host, defaultLevel);
            try
            {
                run.DefaultConnectionString = await run.ConnectionStringForDefaultLevelAsync(cancellationToken).ConfigureAwait(false);
                run.PublishEnvironment();
                run.Startup = Stopwatch.GetElapsedTime(started);
            }
            catch
            {
                await run.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            Volatile.Write(ref _current, run);
            return (run, true);
        }
        finally
        {
            StartGate.Release();
        }
    }

    /// <summary>
    /// Prepares <paramref name="test"/>'s connection: ready and clean before its first line runs. Does not
    /// throw: a scope whose <see cref="TestScope.PreparationError"/> is set makes the test fail instead.
    /// </summary>
    public async Task<TestScope> BeginTestAsync(TestIdentity test, TestIsolation level, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(test);
        BranchSharingMonitor.MarkOwnWork();
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await PrepareAsync(test, level, started, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var failed = new TestScope(test, level, "", null, null, started)
            {
                PreparationError = $"Neon.Testing could not prepare the {level} database for '{test.DisplayName}': {e.Message}",
            };
            lock (_running)
            {
                _running.Add(failed);
            }

            return failed;
        }
        finally
        {
            Interlocked.Add(ref _bracketTicks, Stopwatch.GetTimestamp() - started);
        }
    }

    private async Task<TestScope> PrepareAsync(TestIdentity test, TestIsolation level, long started, CancellationToken cancellationToken)
    {
        Session.Statistics.RecordTest(level);
        string connectionString;
        BranchSlot? slot = null;
        TestTransaction? transaction = null;
        switch (level)
        {
            case TestIsolation.ReadOnly:
                connectionString = await Session.GetReadOnlyConnectionStringAsync(cancellationToken).ConfigureAwait(false);
                break;
            case TestIsolation.Shared:
                connectionString = await Session.GetSharedConnectionStringAsync(cancellationToken).ConfigureAwait(false);
                break;
            default:
                slot = await TakeSlotAsync(test, level == TestIsolation.PerClass, cancellationToken).ConfigureAwait(false);
                connectionString = slot.Lease.ConnectionString;
                if (level == TestIsolation.Transaction)
                {
                    try
                    {
                        transaction = await TestTransaction.BeginAsync(connectionString, cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        await ReleaseAsync(slot, cancellationToken).ConfigureAwait(false);
                        throw;
                    }
                }

                break;
        }

        var scope = new TestScope(test, level, connectionString, slot, transaction, started);
        lock (_running)
        {
            if (slot is { Primary: false })
            {
                // This test got a branch of its own because another test holds the one the environment variable names.
                scope.OverlapWith = _running.FirstOrDefault(s => s.Slot is { Primary: true })?.Test.DisplayName ?? "another test";
                Interlocked.Increment(ref _concurrentIsolated);
            }

            _running.Add(scope);
        }

        return scope;
    }

    /// <summary>Restores what <paramref name="scope"/>'s test changed and frees its branch.</summary>
    public async Task<TestOutcome> EndTestAsync(TestScope scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        BranchSharingMonitor.MarkOwnWork();
        var started = Stopwatch.GetTimestamp();
        try
        {
            lock (_running)
            {
                _running.Remove(scope);
            }

            if (scope.Transaction is { } transaction)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }

            ResetResult? reset = null;
            if (scope.Slot is { } slot)
            {
                if (scope.Level != TestIsolation.PerClass)
                {
                    reset = await ResetAsync(slot, cancellationToken).ConfigureAwait(false);
                }

                await ReleaseAsync(slot, cancellationToken).ConfigureAwait(false);
            }

            var failure = scope.PreparationError;
            if (scope.SharingViolation is { } violation)
            {
                Interlocked.Increment(ref _sharingViolations);
                failure = violation;
            }

            return new TestOutcome(reset, failure);
        }
        finally
        {
            Interlocked.Add(ref _bracketTicks, Stopwatch.GetTimestamp() - started);
        }
    }

    /// <summary>The running test the calling code belongs to, or <see langword="null"/> when no test is running.</summary>
    /// <exception cref="InvalidOperationException">Several tests run and the host cannot tell which one is asking.</exception>
    public TestScope? ResolveScope() => TryResolveScope(out var scope, out var ambiguity) ? scope : throw new InvalidOperationException(ambiguity);

    internal bool TryResolveScope(out TestScope? scope, out string? ambiguity)
    {
        ambiguity = null;
        scope = null;
        string?[] keys;
        lock (KeyResolvers)
        {
            keys = [.. KeyResolvers.Select(Resolve)];
        }

        lock (_running)
        {
            foreach (var key in keys.OfType<string>())
            {
                var matches = _running.Where(s => s.Test.Key == key).ToList();
                if (matches.Count == 0)
                {
                    continue;
                }

                if (matches.Count == 1 || matches.Select(s => s.ConnectionString).Distinct(StringComparer.Ordinal).Count() == 1)
                {
                    scope = matches[0];
                    return true;
                }

                ambiguity = Ambiguity(matches);
                return false;
            }

            if (_running.Count == 0)
            {
                return true;
            }

            if (_running.Select(s => s.ConnectionString).Distinct(StringComparer.Ordinal).Count() == 1)
            {
                scope = _running[0];
                return true;
            }

            ambiguity = Ambiguity(_running);
            return false;
        }

        static string? Resolve(Func<string?> resolver)
        {
            try
            {
                return resolver();
            }
            catch (Exception e) when (e is InvalidOperationException or TargetInvocationException or NullReferenceException)
            {
                return null;
            }
        }
    }

    /// <summary>A snapshot of the tests running now.</summary>
    internal IReadOnlyList<TestScope> RunningScopes()
    {
        lock (_running)
        {
            return [.. _running];
        }
    }

    /// <summary>Branch name for a database name, when it is one of this run's isolated branches.</summary>
    internal BranchSlot? SlotForDatabase(string database)
    {
        lock (_slots)
        {
            return _slotsByDatabase.GetValueOrDefault(database);
        }
    }

    public async ValueTask DisposeAsync()
    {
        BranchSharingMonitor.MarkOwnWork();
        Interlocked.CompareExchange(ref _current, null, this);
        _monitor.Dispose();
        List<BranchSlot> slots;
        lock (_slots)
        {
            slots = [.. _slots];
            _slots.Clear();
        }

        foreach (var slot in slots)
        {
            await slot.Lease.DisposeAsync().ConfigureAwait(false);
        }

        await Session.DisposeAsync().ConfigureAwait(false);
    }

    private static string Ambiguity(IEnumerable<TestScope> scopes) =>
        $"NeonDatabase cannot tell which of the tests running right now is asking ({string.Join(", ", scopes.Select(s => s.Test.DisplayName))}), and they use different databases. " +
        "Ask from the test's own code (not from a thread it started), or run these tests one at a time: [DoNotParallelize] (MSTest), [NonParallelizable] (NUnit), one test collection (xUnit).";

    private async Task<string> ConnectionStringForDefaultLevelAsync(CancellationToken cancellationToken)
    {
        switch (DefaultLevel)
        {
            case TestIsolation.ReadOnly:
                return await Session.GetReadOnlyConnectionStringAsync(cancellationToken).ConfigureAwait(false);
            case TestIsolation.Shared:
                return await Session.GetSharedConnectionStringAsync(cancellationToken).ConfigureAwait(false);
            default:
                var lease = await Session.AcquireIsolatedBranchAsync(cancellationToken).ConfigureAwait(false);
                AddSlot(new BranchSlot(lease, primary: true));
                return lease.ConnectionString;
        }
    }

    private void PublishEnvironment()
    {
        Environment.SetEnvironmentVariable(Options.EnvVar, DefaultConnectionString);
        if (!string.IsNullOrEmpty(Options.ConnectionStringName))
        {
            Environment.SetEnvironmentVariable($"ConnectionStrings__{Options.ConnectionStringName}", DefaultConnectionString);
        }
    }

    private void AddSlot(BranchSlot slot)
    {
        lock (_slots)
        {
            _slots.Add(slot);
            _isolatedBranches++;
            var database = new NpgsqlConnectionStringBuilder(slot.Lease.ConnectionString).Database;
            if (!string.IsNullOrEmpty(database))
            {
                _slotsByDatabase[database] = slot;
            }
        }
    }

    private async Task<BranchSlot> TakeSlotAsync(TestIdentity test, bool perClass, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<BranchSlot> slots;
            lock (_slots)
            {
                slots = [.. _slots];
            }

            var slot = perClass ? slots.FirstOrDefault(s => s.BoundClass == test.ClassKey) : null;
            slot ??= slots.Where(s => s.IsFree).OrderByDescending(s => s.Primary).FirstOrDefault();
            if (slot is null && slots.Where(s => s.Running == 0 && s.BoundClass is not null).OrderByDescending(s => s.Primary).FirstOrDefault() is { } finishedClass)
            {
                // A PerClass class is done with this branch (no test of it runs): restore it for the next owner.
                if (finishedClass.Dirty)
                {
                    await ResetAsync(finishedClass, cancellationToken).ConfigureAwait(false);
                }

                finishedClass.BoundClass = null;
                finishedClass.Dirty = false;
                slot = finishedClass;
            }

            if (slot is null)
            {
                slot = new BranchSlot(await Session.AcquireIsolatedBranchAsync(cancellationToken).ConfigureAwait(false), primary: false);
                AddSlot(slot);
            }

            slot.Running++;
            if (perClass)
            {
                slot.BoundClass = test.ClassKey;
                slot.Dirty = true;
            }

            return slot;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ReleaseAsync(BranchSlot slot, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            slot.Running--;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task<ResetResult> ResetAsync(BranchSlot slot, CancellationToken cancellationToken)
    {
        var result = await slot.Lease.ResetAsync(cancellationToken).ConfigureAwait(false);
        if (result.Kind == ResetKind.Full)
        {
            // The branch was re-cloned: pooled connections to it are dead, and no test should meet one.
            NpgsqlConnection.ClearAllPools();
        }

        return result;
    }
}
