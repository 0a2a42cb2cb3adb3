using System.Diagnostics;
using Neon.Testing.Faults.Tests.Support;

namespace Neon.Testing.Faults.Tests.Kills;

/// <summary>
/// Issue 13 item 1, local engine: the test host SIGKILLed mid-test, mid-migration and mid-reset. The next run must
/// remove the dead run's branches and roles at its start (the owner's liveness lock is gone), never reuse a half-built
/// template, and pass. Figures: leftovers after the next run (target 0), seconds until removed, runs broken by a
/// poisoned cache (target 0).
/// </summary>
[TestClass]
[TestCategory("CI")]
public sealed class KilledHostTests
{
    private const string Area = "kills";
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromMinutes(2);

    [TestMethod]
    public async Task KilledMidTest_NextRunRemovesItsBranchesAtStart()
    {
        var waitFile = Path.Combine(Directory.CreateTempSubdirectory("neon-faults-wait-").FullName, "waiting");
        await KillAndRecoverAsync(
            "sigkill mid-test/local",
            gate: null,
            ["--filter", "Name=WritesThenWaits|Name=Reads_TheMigratedData"],
            new Dictionary<string, string?> { ["NEON_SAMPLE_WAIT_FILE"] = waitFile },
            run => run.WaitUntilAsync(() => Task.FromResult(File.Exists(waitFile)), PhaseTimeout, "its test waited"));
    }

    [TestMethod]
    public async Task KilledMidMigration_NextRunMigratesAgainAndRemovesTheUnfinishedTemplate()
    {
        await using var gate = await ProcessRunGate.AtMigrationAsync(ProcessRunCluster.Suite);
        await KillAndRecoverAsync(
            "sigkill mid-migration/local",
            gate,
            ["--filter", "Name=Insert_First"],
            gate.Environment,
            run => run.WaitUntilAsync(gate.ReachedAsync, PhaseTimeout, "its migration reached the gate"));
    }

    [TestMethod]
    public async Task KilledMidReset_NextRunRemovesItsBranchesAtStart()
    {
        await using var gate = await ProcessRunGate.AtResetAsync(ProcessRunCluster.Suite);
        await KillAndRecoverAsync(
            "sigkill mid-reset/local",
            gate,
            ["--filter", "Name=Insert_First"],
            gate.Environment,
            run => run.WaitUntilAsync(gate.ReachedAsync, PhaseTimeout, "its reset reached the gate"));
    }

    private static async Task KillAndRecoverAsync(string caseName, ProcessRunGate? gate, string[] filter, IReadOnlyDictionary<string, string?> environment, Func<ProcessRun, Task> untilPhase)
    {
        var cluster = ProcessRunCluster.Suite;
        var litterBefore = await cluster.LitterAsync();
        var templatesBefore = await cluster.TemplatesAsync();
        var figures = new Dictionary<string, object?>();
        var passed = false;
        string? detail = null;
        List<string> dead = [];
        try
        {
            using (var killedResults = new ProcessRunResults())
            await using (var killed = ProcessRunSample.StartTestApp(killedResults.Directory, filter, environment))
            {
                await untilPhase(killed);
                dead = [.. (await cluster.LitterAsync()).Except(litterBefore), .. (await cluster.TemplatesAsync()).Except(templatesBefore).Where(t => t.Contains("-building-", StringComparison.Ordinal))];
                await killed.SignalAsync("KILL");
                Assert.IsTrue(await killed.WaitForExitAsync(TimeSpan.FromSeconds(30)), "SIGKILL did not end the test host");
                figures["killedExitCode"] = killed.ExitCode;
            }

            Assert.IsNotEmpty(dead, "the killed run had nothing on the server: the kill proved nothing");
            figures["branchesOfTheKilledRun"] = dead.Count;
            if (gate is not null)
            {
                await gate.OpenAsync();
            }

            // The next run, watched from outside: when is the dead run's litter gone?
            using var nextResults = new ProcessRunResults();
            double? removedAfter = null;
            await using (var next = ProcessRunSample.StartTestApp(nextResults.Directory, ["--filter", "Name=Insert_First"], gate?.Environment))
            {
                while (!next.HasExited || removedAfter is null)
                {
                    if (removedAfter is null && !dead.Intersect([.. await cluster.LitterAsync(), .. await cluster.TemplatesAsync()]).Any())
                    {
                        removedAfter = next.Elapsed.TotalSeconds;
                    }

                    if (next.HasExited)
                    {
                        break;
                    }

                    Assert.IsLessThan(PhaseTimeout, next.Elapsed, $"the next run did not end:{Environment.NewLine}{next.Output}");
                    await Task.Delay(50);
                }

                await next.WaitForExitAsync(PhaseTimeout);
                figures["nextRunExitCode"] = next.ExitCode;
                detail = next.ExitCode == 0 ? null : next.Output;
            }

            var left = dead.Intersect([.. await cluster.LitterAsync(), .. await cluster.TemplatesAsync()]).ToList();
            var reused = nextResults.MigrationsReused();
            var broken = (int)figures["nextRunExitCode"]! != 0 ? 1 : 0;

            // A cache poisoned by the kill shows on a third run too: it must reuse the (now complete) template and pass.
            if (gate is not null)
            {
                using var thirdResults = new ProcessRunResults();
                await using var third = ProcessRunSample.StartTestApp(thirdResults.Directory, ["--filter", "Name=Insert_First"], gate.Environment);
                Assert.IsTrue(await third.WaitForExitAsync(PhaseTimeout), third.Output);
                broken += third.ExitCode != 0 ? 1 : 0;
                figures["thirdRunReusedTemplate"] = thirdResults.MigrationsReused();
            }

            figures["leftoversAfterNextRun"] = left.Count;
            figures["secondsUntilRemoved"] = removedAfter is { } seconds ? Math.Round(seconds, 2) : null;
            figures["runsBrokenByPoisonedCache"] = broken;
            figures["nextRunReusedTemplate"] = reused;
            Assert.AreEqual(0, (int)figures["nextRunExitCode"]!, detail);
            Assert.IsEmpty(left, $"left after the next run: {string.Join(", ", left)}");
            Assert.AreEqual(0, broken, "a run after the kill failed");
            if (caseName.Contains("migration", StringComparison.Ordinal))
            {
                Assert.IsFalse(reused ?? true, "the next run reused what the killed run had not finished");
            }

            passed = true;
        }
        finally
        {
            FaultLog.Record(Area, caseName, passed, figures, passed ? null : detail);
            await cluster.DropAsync((await cluster.LitterAsync()).Except(litterBefore));
        }
    }
}
