using Neon.Testing.Engine;
using Neon.Testing.Engine.Session;

namespace Neon.Testing.Tasks;

/// <summary>
/// A VSTest run whose session lives in the test host (a per-test hook owns it), kept by MSBuild between the
/// start and stop targets. VSTest ends its test host about 100 ms after the run, often before the session has
/// deleted its branches: the host writes its session's name prefix into <see cref="HandOffFile"/>, and this
/// deletes whatever of that session is left once VSTest has returned (or at the end of the build when the
/// tests failed and the stop target was skipped).
/// </summary>
internal sealed class HostSessionCleanup : IDisposable
{
    /// <summary>The variable the test host reads (Neon.Testing's <c>ProcessTestRun.HandOffVariable</c>).</summary>
    public const string HandOffVariable = "NEON_TESTING_HANDOFF";

    private readonly string? _previousVariable;
    private readonly List<string> _setVariables = [];
    private int _done;

    public HostSessionCleanup(NeonTestingOptions options, IReadOnlyDictionary<string, string?> properties, string handOffFile, string summaryFile, TaskLogger logger)
    {
        Options = options;
        HandOffFile = handOffFile;
        SummaryFile = summaryFile;
        Logger = logger;
        foreach (var stale in new[] { handOffFile, summaryFile }.Where(f => f.Length > 0 && File.Exists(f)))
        {
            File.Delete(stale);
        }

        // The variable names a file, never a secret: vstest.console and the test host inherit it.
        _previousVariable = Environment.GetEnvironmentVariable(HandOffVariable);
        Environment.SetEnvironmentVariable(HandOffVariable, handOffFile);

        // Properties given at test time (dotnet test -p:NeonKeepBranches=true, -p:NeonEnabled=false, --no-build) must reach
        // a host that reads the neon-testing.json of an earlier build: each one travels in its variable, unless the
        // variable is set already (a variable wins over a property). Secrets never: they are read from variables only.
        foreach (var setting in Engine.Configuration.NeonSettingCatalog.All)
        {
            if (setting.EnvironmentVariable is { } variable && !setting.IsSecret
                && properties.TryGetValue(setting.Property, out var value) && !string.IsNullOrEmpty(value)
                && Environment.GetEnvironmentVariable(variable) is null)
            {
                Environment.SetEnvironmentVariable(variable, value);
                _setVariables.Add(variable);
            }
        }
    }

    public NeonTestingOptions Options { get; }

    public string HandOffFile { get; }

    public TaskLogger Logger { get; }

    /// <summary>The readable summary the test host writes (VSTest does not show the host's console), or empty.</summary>
    public string SummaryFile { get; }

    /// <summary>The host's summary, when it wrote one during this run.</summary>
    public string? ReadSummary() => SummaryFile.Length > 0 && File.Exists(SummaryFile) && File.ReadAllText(SummaryFile).TrimEnd() is { Length: > 0 } summary ? summary : null;

    /// <summary>Restores the environment and deletes what the host's sessions left; returns how many branches went. Runs once.</summary>
    public async Task<int> CleanUpAsync()
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return 0;
        }

        Environment.SetEnvironmentVariable(HandOffVariable, _previousVariable);
        foreach (var variable in _setVariables)
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        if (Options.KeepBranches || !File.Exists(HandOffFile))
        {
            return 0;
        }

        var deleted = 0;
        foreach (var prefix in File.ReadAllLines(HandOffFile).Select(l => l.Trim()).Where(l => l.Length > 0).Distinct(StringComparer.Ordinal))
        {
            deleted += await TestDatabaseSession.DeleteLeftBranchesAsync(Options, prefix, Logger).ConfigureAwait(false);
        }

        File.Delete(HandOffFile);
        return deleted;
    }

    /// <summary>Called by MSBuild at the end of the build when the stop target did not run (failed tests, cancellation).</summary>
    public void Dispose()
    {
        Logger.Attach(null);
        try
        {
            CleanUpAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Nothing to log to any more: the branches expire by themselves and the next session's sweeper removes them.
        }
    }
}
