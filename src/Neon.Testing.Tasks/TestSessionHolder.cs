using System.Diagnostics;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Session;

namespace Neon.Testing.Tasks;

/// <summary>
/// A session created by <see cref="StartNeonTestSession"/> and kept by MSBuild between targets
/// (<c>RegisterTaskObject</c>, lifetime Build). <see cref="StopNeonTestSession"/> ends it after the tests;
/// when the tests fail MSBuild skips that target, and disposes this object at the end of the build instead,
/// which ends the session just the same.
/// </summary>
internal sealed class TestSessionHolder : IDisposable
{
    private readonly TestDatabaseSession _session;
    private readonly Dictionary<string, string?> _previousVariables = new(StringComparer.Ordinal);
    private int _stopped;

    private TestSessionHolder(TestDatabaseSession session, string connectionString, string databaseName, TaskLogger logger, TimeSpan startTime)
    {
        _session = session;
        ConnectionString = connectionString;
        DatabaseName = databaseName;
        Logger = logger;
        StartTime = startTime;
    }

    /// <summary>The session's settings.</summary>
    public NeonTestingOptions Options => _session.Options;

    /// <summary>Where the core's messages go.</summary>
    public TaskLogger Logger { get; }

    /// <summary>Connection string of the database the tests get (holds a password: never log it).</summary>
    public string ConnectionString { get; }

    /// <summary>Name of that database's branch, for messages.</summary>
    public string DatabaseName { get; }

    /// <summary>Random id in every branch name of the session.</summary>
    public string SessionId => _session.SessionId;

    /// <summary>Provider name.</summary>
    public string ProviderName => _session.ProviderName;

    /// <summary>How long creating the session and its database took.</summary>
    public TimeSpan StartTime { get; }

    /// <summary>Counters of the session.</summary>
    public SessionStatistics Statistics => _session.Statistics;

    /// <summary>
    /// Starts the session and prepares the database of the default isolation level. Without a
    /// framework adapter nothing resets between tests, so the whole run shares that one database.
    /// </summary>
    public static async Task<TestSessionHolder> StartAsync(NeonTestingOptions options, TaskLogger logger, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var session = await TestDatabaseSession.StartAsync(options, logger, cancellationToken).ConfigureAwait(false);
        try
        {
            // The same engine call the per-test hosts make for the environment variable's database.
            var database = await session.OpenDefaultDatabaseAsync(options.Isolation, cancellationToken).ConfigureAwait(false);
            logger.AddSecret(database.ConnectionString);
            return new TestSessionHolder(session, database.ConnectionString, database.Name, logger, stopwatch.Elapsed);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Puts the connection string into this process's environment (<c>NeonEnvVar</c>, and
    /// <c>ConnectionStrings__&lt;Name&gt;</c>), which vstest.console and the test host inherit. Unlike
    /// run settings, the environment never reaches MSBuild's logs or a file.
    /// </summary>
    public IReadOnlyList<string> ApplyEnvironment()
    {
        var names = new List<string> { Options.EnvVar };
        if (!string.IsNullOrEmpty(Options.ConnectionStringName))
        {
            names.Add("ConnectionStrings__" + Options.ConnectionStringName);
        }

        foreach (var name in names)
        {
            _previousVariables.TryAdd(name, Environment.GetEnvironmentVariable(name));
            Environment.SetEnvironmentVariable(name, ConnectionString);
        }

        return names;
    }

    /// <summary>Restores the environment and deletes the session's branches (unless kept). Runs once.</summary>
    public async Task<TimeSpan> StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return TimeSpan.Zero;
        }

        var stopwatch = Stopwatch.StartNew();
        foreach (var (name, value) in _previousVariables)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        await _session.DisposeAsync().ConfigureAwait(false);
        return stopwatch.Elapsed;
    }

    /// <summary>Called by MSBuild at the end of the build when the stop target did not run (failed tests, cancellation).</summary>
    public void Dispose()
    {
        Logger.Attach(null);
        try
        {
            StopAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Nothing to log to any more: the branches expire by themselves and the next session's sweeper removes them.
        }
    }
}
