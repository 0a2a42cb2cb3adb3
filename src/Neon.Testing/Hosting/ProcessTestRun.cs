using System.Reflection;
using Neon.Testing.Engine;

namespace Neon.Testing.Hosting;

/// <summary>
/// The run for hosts that have a per-test hook but no end-of-run hook (MSTest's global test initialize and
/// cleanup, xUnit v2's before/after-test attribute): started at the first test, ended when the process exits,
/// unless another host of the process (the Microsoft.Testing.Platform extension) started it and ends it.
/// </summary>
public static class ProcessTestRun
{
    /// <summary>Variable through which the SDK's MSBuild tasks ask for the session's name prefix, to delete what a killed test host left.</summary>
    public const string HandOffVariable = "NEON_TESTING_HANDOFF";

    private static readonly object Gate = new();
    private static readonly HashSet<string> ResolverHosts = new(StringComparer.Ordinal);
    private static NeonTestRun? _owned;
    private static readonly object SummaryGate = new();
    private static bool _disabled;

    /// <summary>
    /// The run of this process: the one already running, else one started now (blocking: the hooks that call this
    /// run on the framework's worker, outside any synchronization context). <see langword="null"/> when Neon.Testing
    /// is disabled. A session that cannot start ends the process before the test runs (<see cref="SessionStartFailure"/>).
    /// </summary>
    public static NeonTestRun? GetOrStart(string host, Assembly testAssembly, Func<string?> testKey)
    {
        ArgumentNullException.ThrowIfNull(testKey);
        lock (ResolverHosts)
        {
            // Also when another host (the MTP extension) started the run: NeonDatabase needs this host's test identity.
            if (ResolverHosts.Add(host))
            {
                NeonTestRun.RegisterTestKeyResolver(testKey);
            }
        }

        if (NeonTestRun.Current is { } running)
        {
            return running;
        }

        lock (Gate)
        {
            if (_disabled)
            {
                return null;
            }

            if (NeonTestRun.Current is { } joined)
            {
                return joined;
            }

            try
            {
                var options = NeonTestRun.LoadOptions();
                if (!options.Enabled)
                {
                    _disabled = true;
                    return null;
                }

                var (run, created) = NeonTestRun.StartOrJoinAsync(() => options, host, testAssembly).GetAwaiter().GetResult();
                if (created)
                {
                    _owned = run;
                    HandOff(run);
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => End();
                }

                return run;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                SessionStartFailure.StopProcess(SessionStartFailure.Describe(e));
                throw; // not reached: the process has ended
            }
        }
    }

    /// <summary>
    /// Call after each test: the summary files say what the run did so far, written before the test's result is
    /// reported, so they exist when the host is ended without time to end the session (VSTest ends its test host about
    /// 100 ms after the run; a timer that wrote them shortly after the last test lost that race on a loaded machine).
    /// </summary>
    public static void TestEnded()
    {
        if (Volatile.Read(ref _owned) is { } run)
        {
            lock (SummaryGate)
            {
                WriteSummaryFiles(run);
            }
        }
    }

    private static void WriteSummaryFiles(NeonTestRun run)
    {
        try
        {
            var directory = ResultsDirectory.FromCommandLine();
            RunSummary.WriteText(run, directory);
            RunSummary.WriteJson(run, directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The summary at the end of the process tries again.
        }
    }

    /// <summary>Ends the run this class started, if any: deletes its branches and writes the summary. Idempotent.</summary>
    public static void End()
    {
        NeonTestRun? run;
        lock (Gate)
        {
            run = _owned;
            _owned = null;
        }

        if (run is null)
        {
            return;
        }

        var directory = ResultsDirectory.FromCommandLine();
        try
        {
            // First, in case the host is ended before the branches are gone (VSTest gives its test host little time):
            // the SDK's tasks then delete what is left, and this file already says what the run did.
            RunSummary.WriteText(run, directory);
            RunSummary.WriteJson(run, directory);
            run.DisposeAsync().AsTask().GetAwaiter().GetResult();
            StandardStreams.WriteOutput(run.WriteSummary(directory));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            StandardStreams.WriteError($"Neon.Testing: ending the session failed: {e.Message} Its branches expire by themselves and the next session's sweeper removes them.");
        }
    }

    /// <summary>Tells the SDK's tasks (through the file they named) which branches are this session's.</summary>
    private static void HandOff(NeonTestRun run)
    {
        if (Environment.GetEnvironmentVariable(HandOffVariable) is not { Length: > 0 } file)
        {
            return;
        }

        var prefix = run.Session.BranchNamePrefix;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        File.AppendAllText(file, prefix + Environment.NewLine);
    }
}
