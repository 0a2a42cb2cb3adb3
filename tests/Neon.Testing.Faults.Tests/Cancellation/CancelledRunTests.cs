using System.Diagnostics;
using Neon.Testing.Faults.Tests.Support;

namespace Neon.Testing.Faults.Tests.Cancellation;

/// <summary>
/// Issue 13 item 2: SIGINT and SIGTERM to the test executable and to <c>dotnet test</c>, during session start (a
/// migration), during a test, and during a test's reset. The session must still end: its branches gone within seconds
/// (an orphaned test app's too), a prompt exit, and a cleanup that fails said out loud. One figure set per signal ×
/// phase × target.
/// </summary>
[TestClass]
public sealed class CancelledRunTests
{
    private const string Area = "cancellation";
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan PromptExit = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan CleanWithin = TimeSpan.FromSeconds(15);

    [TestMethod]
    [DataRow("INT", "session-start", "test-app")]
    [DataRow("TERM", "session-start", "test-app")]
    [DataRow("INT", "test", "test-app")]
    [DataRow("TERM", "test", "test-app")]
    [DataRow("INT", "reset", "test-app")]
    [DataRow("TERM", "reset", "test-app")]
    [DataRow("INT", "session-start", "dotnet-test")]
    [DataRow("TERM", "session-start", "dotnet-test")]
    [DataRow("INT", "test", "dotnet-test")]
    [DataRow("TERM", "test", "dotnet-test")]
    [DataRow("INT", "reset", "dotnet-test")]
    [DataRow("TERM", "reset", "dotnet-test")]
    public async Task Signal_EndsTheSessionPromptly_AndLeavesNothing(string signal, string phase, string target)
    {
        var caseName = $"sig{signal.ToLowerInvariant()} {phase}/{target}";
        var cluster = ProcessRunCluster.Suite;
        var litterBefore = await cluster.LitterAsync();
        var templatesBefore = await cluster.TemplatesAsync();
        var figures = new Dictionary<string, object?> { ["signal"] = "SIG" + signal, ["phase"] = phase, ["target"] = target };
        var passed = false;
        string output = "";
        var waitFile = Path.Combine(Directory.CreateTempSubdirectory("neon-faults-wait-").FullName, "waiting");
        await using var gate = phase switch
        {
            "session-start" => await ProcessRunGate.AtMigrationAsync(cluster),
            "reset" => await ProcessRunGate.AtResetAsync(cluster),
            _ => null,
        };
        var environment = new Dictionary<string, string?>(gate?.Environment ?? new Dictionary<string, string?>()) { ["NEON_SAMPLE_WAIT_FILE"] = waitFile };
        string[] filter = phase == "test" ? ["--filter", "Name=WritesThenWaits"] : ["--filter", "Name=Insert_First"];
        try
        {
            using var results = new ProcessRunResults();
            await using var run = target == "test-app"
                ? ProcessRunSample.StartTestApp(results.Directory, filter, environment)
                : ProcessRunSample.StartDotnetTest(results.Directory, filter, environment);
            Func<Task<bool>> reached = phase == "test" ? () => Task.FromResult(File.Exists(waitFile)) : gate!.ReachedAsync;
            await run.WaitUntilAsync(reached, PhaseTimeout, $"the run reached its {phase}");
            var dead = (await cluster.LitterAsync()).Except(litterBefore).Concat((await cluster.TemplatesAsync()).Except(templatesBefore).Where(t => t.Contains("-building-", StringComparison.Ordinal))).ToList();
            var apps = target == "dotnet-test" ? run.Descendants() : [];
            figures["branchesAtSignal"] = dead.Count;

            var signalled = Stopwatch.StartNew();
            await run.SignalAsync(signal);
            if (phase == "reset")
            {
                // A reset takes milliseconds; the gate holds it a second so the signal surely lands inside it.
                await Task.Delay(TimeSpan.FromSeconds(1));
                await gate!.OpenAsync();
                figures["resetHeldSecondsAfterSignal"] = 1;
            }

            var exited = await run.WaitForExitAsync(PromptExit);
            figures["secondsToExit"] = exited ? Math.Round(signalled.Elapsed.TotalSeconds, 2) : null;
            if (!exited && gate is not null)
            {
                // Still waiting on the server: let the statement finish, then see whether it ends at all.
                figures["exitNeededTheServerStatementToFinish"] = true;
                await gate.OpenAsync();
                exited = await run.WaitForExitAsync(TimeSpan.FromSeconds(30));
                figures["secondsToExitAfterTheStatementFinished"] = exited ? Math.Round(signalled.Elapsed.TotalSeconds, 2) : null;
            }

            figures["exitCode"] = exited ? run.ExitCode : null;

            // dotnet test leaves its test app behind when it goes first: that orphan must clean up too.
            double? orphanGone = null;
            while (apps.Any(ProcessRun.IsAlive) && signalled.Elapsed < PromptExit + PromptExit)
            {
                await Task.Delay(50);
            }

            if (apps.Count > 0)
            {
                orphanGone = apps.Any(ProcessRun.IsAlive) ? null : Math.Round(signalled.Elapsed.TotalSeconds, 2);
                figures["testAppSecondsToExit"] = orphanGone;
            }

            double? cleanAfter = null;
            while (signalled.Elapsed < PromptExit + CleanWithin)
            {
                if (!dead.Intersect([.. await cluster.LitterAsync(), .. await cluster.TemplatesAsync()]).Any())
                {
                    cleanAfter = signalled.Elapsed.TotalSeconds;
                    break;
                }

                await Task.Delay(50);
            }

            var left = dead.Intersect([.. await cluster.LitterAsync(), .. await cluster.TemplatesAsync()]).ToList();
            output = run.Output;
            var saidCleanup = output.Contains("session ended at exit", StringComparison.Ordinal) || output.Contains("Neon.Testing: branches created", StringComparison.Ordinal) || output.Contains("branches created", StringComparison.Ordinal);
            var saidFailure = output.Contains("could not be deleted", StringComparison.Ordinal) || output.Contains("cleaning up the session failed", StringComparison.Ordinal) || output.Contains("ending its session failed", StringComparison.Ordinal);
            figures["secondsUntilClean"] = cleanAfter is { } clean ? Math.Round(clean, 2) : null;
            figures["leftovers"] = left.Count;
            figures["cleanupReported"] = saidCleanup;
            figures["cleanupFailureReported"] = saidFailure;
            figures["noBranchesAtSignal"] = dead.Count == 0;

            Assert.IsTrue(exited, $"the run did not end after SIG{signal}:{Environment.NewLine}{output}");
            Assert.IsNotNull(figures["secondsToExit"], $"SIG{signal} did not end the run within {PromptExit.TotalSeconds} s: it waited for the server's statement");
            if (target == "test-app")
            {
                // dotnet test's own exit code is the SDK's (SIGTERM: 0); recorded, not ours to assert.
                Assert.AreNotEqual(0, run.ExitCode, "a cancelled run must not pass");
            }
            Assert.IsEmpty(left, $"SIG{signal} during {phase} ({target}) left: {string.Join(", ", left)}{Environment.NewLine}{output}");
            if (apps.Count > 0)
            {
                Assert.IsNotNull(orphanGone, "the test app outlived dotnet test");
            }

            passed = true;
        }
        finally
        {
            FaultLog.Record(Area, caseName, passed, figures, passed ? null : Tail(output));
            if (gate is not null)
            {
                await gate.OpenAsync();
            }

            await cluster.DropAsync((await cluster.LitterAsync()).Except(litterBefore));
            Directory.Delete(Path.GetDirectoryName(waitFile)!, recursive: true);
        }
    }

    private static string Tail(string output) => output.Length > 4000 ? output[^4000..] : output;
}
