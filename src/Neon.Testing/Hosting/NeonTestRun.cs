using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Session;

namespace Neon.Testing.Hosting;

/// <summary>
/// The per-process test run every host shares (the Microsoft.Testing.Platform extension, the NUnit and
/// xUnit adapters): it owns the engine's session, publishes the environment variables once, and brackets
/// each test. Hosts only say which test starts at which level, and when it ends; what the level means is
/// the engine's (<see cref="TestDatabaseSession.BeginTestAsync"/>). The first host to start the run owns it and disposes it.
/// </summary>
public sealed class NeonTestRun : IAsyncDisposable
{
    private static readonly SemaphoreSlim StartGate = new(1, 1);
    private static NeonTestRun? _current;

    private readonly RunningTests _running = new();
    private readonly RunCounters _counters = new();
    private readonly BranchSharingMonitor _monitor;

    private NeonTestRun(TestDatabaseSession session, string host, TestIsolation defaultLevel)
    {
        Session = session;
        Host = host;
        DefaultLevel = defaultLevel;
        _monitor = new BranchSharingMonitor(this);
    }

    /// <summary>The run of this process, once a host has started it.</summary>
    public static NeonTestRun? Current => Volatile.Read(ref _current);

    /// <summary>The engine's session (branches, statistics).</summary>
    public TestDatabaseSession Session { get; }

    /// <summary>The settings the run started with.</summary>
    public NeonTestingOptions Options => Session.Options;

    /// <summary>The host that started the run (<c>MTP</c>, <c>NUnit</c>, <c>xUnit</c>).</summary>
    public string Host { get; }

    /// <summary>Simple name of the test assembly, when the host knows it.</summary>
    public string? TestAssemblyName { get; private init; }

    /// <summary>Level of tests that name none: the assembly's attribute, else <c>NeonIsolation</c>.</summary>
    public TestIsolation DefaultLevel { get; }

    /// <summary>Isolated tests take turns on one branch because the test code reads <see cref="NeonTestingOptions.EnvVar"/> (<c>NeonConcurrentTests=Auto</c>).</summary>
    internal bool SerialByTestCode { get; private init; }

    /// <summary>What the environment variables hold for the whole process (holds a password: never log it).</summary>
    public string DefaultConnectionString { get; private set; } = "";

    /// <summary>How long starting took until the first test could run (sweeper, migration branch, migrations, the default level's branch).</summary>
    public TimeSpan Startup { get; private set; }

    /// <summary>Wall time tests waited for their connection before and their reset after.</summary>
    public TimeSpan BracketTime => _counters.BracketTime;

    /// <summary>The part of <see cref="IsolatingTime"/> spent on the run's first test: one-time costs (attaching change tracking, compiling the reset).</summary>
    internal TimeSpan FirstTestIsolatingTime => _counters.FirstTestTime;

    /// <summary><see cref="BracketTime"/> less the time serial tests waited for their turn: what isolating itself took.</summary>
    internal TimeSpan IsolatingTime => TimeSpan.FromTicks(Math.Max(0, BracketTime.Ticks - Session.Statistics.TurnWaitTime.Ticks));

    /// <summary>Tests failed because they used another running test's isolated branch.</summary>
    public int SharingViolations => _counters.SharingViolations;

    /// <summary>Isolated tests that ran while another isolated test was running and so got a branch of their own.</summary>
    public int ConcurrentIsolated => _counters.ConcurrentIsolated;

    /// <summary>Number of isolated branches handed out (the primary one plus one per concurrent worker).</summary>
    public int IsolatedBranches => Session.IsolatedBranchCount;

    /// <summary>Lets a host tell which test the calling code belongs to (e.g. MSTest's <c>TestContext.Current</c>): the resolver returns the <see cref="TestIdentity.Key"/> of the current test, or <see langword="null"/>.</summary>
    public static void RegisterTestKeyResolver(Func<string?> resolver) => TestKeyResolvers.Register(resolver);

    /// <summary>Reads <c>neon-testing.json</c> next to the test assembly, then <c>NEON_*</c> variables, then <paramref name="overrides"/>, the command-line options (later wins; errors name the source).</summary>
    public static NeonTestingOptions LoadOptions(IReadOnlyDictionary<string, string?>? overrides = null, string? baseDirectory = null)
    {
        var file = NeonConfigurationFile.LoadLayer(baseDirectory ?? AppContext.BaseDirectory);
        return NeonTestingOptions.Parse(file, Engine.Configuration.SettingLayer.Environment(), Engine.Configuration.SettingLayer.CommandLine(overrides ?? new Dictionary<string, string?>()));
    }

    /// <summary>Starts the run, or joins the one another host of this process already started.</summary>
    /// <param name="options">Read only when this call starts the run.</param>
    /// <param name="host">Name of the host for the summary (<c>MTP</c>, <c>NUnit</c>, <c>xUnit</c>).</param>
    /// <param name="testAssembly">The test assembly, whose isolation attribute sets the default level and whose <see cref="IProvidesMigrationSource"/> attribute (e.g. EF Core's) supplies the migrations.</param>
    /// <param name="logger">Where the engine logs; none when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
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
            var serialByCode = false;
            if (resolved.ConcurrentTests == ConcurrentTests.Auto)
            {
                // The environment variable names one branch for the whole process: when the test code reads it, isolated
                // tests the framework runs at once take turns on that branch, where a branch of their own would go unseen.
                serialByCode = EnvVarReference.IsIn(testAssembly, resolved.EnvVar);
                resolved = resolved with { ConcurrentTests = serialByCode ? ConcurrentTests.Serial : ConcurrentTests.Branches };
            }

            var started = Stopwatch.GetTimestamp();

            // What the session starts in the background from here (the primary branch's tracking, branches made ahead
            // of parallel tests) runs on while tests do: its commands are the product's own, not a test's.
            BranchSharingMonitor.MarkOwnWork();
            var source = MigrationSources.Find(resolved, testAssembly, logger);
            var session = await TestDatabaseSession.StartAsync(resolved, source, logger, cancellationToken).ConfigureAwait(false);
            var defaultLevel = IsolationResolver.ForAssembly(testAssembly) ?? resolved.Isolation;
            var run = new NeonTestRun(session, host, defaultLevel) { TestAssemblyName = testAssembly?.GetName().Name, SerialByTestCode = serialByCode };
            try
            {
                var database = await session.OpenDefaultDatabaseAsync(defaultLevel, cancellationToken).ConfigureAwait(false);
                run.DefaultConnectionString = database.ConnectionString;
                RunEnvironment.Publish(run.Options, run.DefaultConnectionString);
                run.Startup = Stopwatch.GetElapsedTime(started);
                if (defaultLevel is TestIsolation.Isolated or TestIsolation.PerClass or TestIsolation.Transaction)
                {
                    // A suite that runs tests at once finds their branches made while the framework starts and its first tests run.
                    session.PrepareIsolatedBranches(() => ParallelismHint.Of(testAssembly));
                }

                // The read-only endpoint and the shared branch, when the suite's attributes ask for them, while the framework starts.
                session.PrepareLevels(() => LevelsInUse.Of(testAssembly));
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

    /// <summary>The level of a test from its method, class and assembly attributes, else <see cref="DefaultLevel"/>.</summary>
    public TestIsolation LevelOf(MethodInfo? method, Type? testClass) => IsolationResolver.Resolve(method, testClass, DefaultLevel);

    /// <summary>
    /// Prepares <paramref name="test"/>'s database for <paramref name="level"/>: ready and clean before its first
    /// line runs. Does not throw: a scope whose <see cref="TestScope.PreparationError"/> is set makes the test fail instead.
    /// </summary>
    public async Task<TestScope> BeginTestAsync(TestIdentity test, TestIsolation level, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(test);
        BranchSharingMonitor.MarkOwnWork();
        var started = Stopwatch.GetTimestamp();
        var first = _counters.ClaimFirstTest();
        try
        {
            // Called before any await: the engine sees the hook's synchronization context (see TestDatabaseSession.BeginTestAsync).
            var database = await Session.BeginTestAsync(level, test.ClassKey, cancellationToken).ConfigureAwait(false);
            var scope = new TestScope(test, level, database, started) { IsFirst = first };
            _running.Add(scope, running =>
            {
                if (database.OnOwnBranch)
                {
                    // This test got a branch of its own because another test holds the one the environment variable names.
                    scope.OverlapWith = running.FirstOrDefault(s => s.Database?.Branch is { IsPrimary: true })?.Test.DisplayName ?? "another test";
                    _counters.RecordConcurrentIsolated();
                }
            });
            return scope;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var failed = new TestScope(test, level, null, started)
            {
                IsFirst = first,
                PreparationError = $"Neon.Testing could not prepare the {level} database for '{test.DisplayName}': {e.Message}",
            };
            _running.Add(failed);
            return failed;
        }
        finally
        {
            _counters.AddBracketTime(started, first);
        }
    }

    /// <summary>Does what <paramref name="scope"/>'s level needs after the test (restores its branch, rolls back its transaction) and frees its branch.</summary>
    public Task<TestOutcome> EndTestAsync(TestScope scope, CancellationToken cancellationToken = default) =>
        EndTestAsync(scope, failed: false, cancellationToken);

    /// <summary>
    /// Like <see cref="EndTestAsync(TestScope, CancellationToken)"/>; when <paramref name="failed"/>, an isolated test's
    /// database is kept as it was at the failure (up to <c>NeonKeepFailedBranches</c> per run) and listed in the summary.
    /// </summary>
    public async Task<TestOutcome> EndTestAsync(TestScope scope, bool failed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        BranchSharingMonitor.MarkOwnWork();
        var started = Stopwatch.GetTimestamp();
        try
        {
            _running.Remove(scope);
            var reset = scope.Database is { } database ? await Session.EndTestAsync(database, failed ? scope.Test.DisplayName : null, cancellationToken).ConfigureAwait(false) : null;
            var failure = scope.PreparationError;
            if (scope.SharingViolation is { } violation)
            {
                _counters.RecordSharingViolation();
                failure = violation;
            }

            return new TestOutcome(reset, failure);
        }
        finally
        {
            _counters.AddBracketTime(started, scope.IsFirst);
        }
    }

    /// <summary>
    /// Writes the JSON and text summaries into <paramref name="directory"/>, adds the Markdown block to the CI
    /// job summary when <c>GITHUB_STEP_SUMMARY</c> names one, and returns the console text with the JSON file's path.
    /// </summary>
    public string WriteSummary(string directory)
    {
        RunSummary.WriteText(this, directory);
        var path = RunSummary.WriteJson(this, directory);
        RunSummary.AppendJobSummary(this, Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY"));
        return $"{RunSummary.ToText(this)}{Environment.NewLine}  summary: {path}";
    }

    /// <summary>Ends the run: detaches it from the process and deletes the session's branches (unless kept).</summary>
    public async ValueTask DisposeAsync()
    {
        BranchSharingMonitor.MarkOwnWork();
        Interlocked.CompareExchange(ref _current, null, this);
        _monitor.Dispose();
        await Session.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The running test the calling code belongs to, or <see langword="null"/> when no test is running.</summary>
    /// <exception cref="InvalidOperationException">Several tests run and the host cannot tell which one is asking.</exception>
    internal TestScope? ResolveScope() => _running.TryResolve(out var scope, out var ambiguity) ? scope : throw new InvalidOperationException(ambiguity);

    internal bool TryResolveScope(out TestScope? scope, out string? ambiguity) => _running.TryResolve(out scope, out ambiguity);

    /// <summary>A snapshot of the tests running now.</summary>
    internal IReadOnlyList<TestScope> RunningScopes() => _running.Snapshot();
}
