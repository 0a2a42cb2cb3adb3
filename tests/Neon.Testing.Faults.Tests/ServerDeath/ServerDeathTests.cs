using System.Diagnostics;
using Neon.Testing.Faults.Tests.Support;

namespace Neon.Testing.Faults.Tests.ServerDeath;

/// <summary>
/// Issue 13 item 3, local engine: the server goes away while a test holds its branch. The run must fail with a clear
/// message and end (no hang); the next run must find a healthy server, remove the dead run's branches and pass.
/// </summary>
[TestClass]
public sealed class ServerDeathTests
{
    private const string Area = "server-death";
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(60);

    [TestMethod]
    public async Task EmbeddedPostmasterKilled_RunFailsClearly_NextRunRestartsTheClusterAndPasses()
    {
        await using var server = await ProcessRunServer.StartAsync();
        await DieAndRecoverAsync(
            "embedded postmaster sigkill mid-test/local",
            server,
            new Dictionary<string, string?> { ["NEON_LOCAL_DATA_DIR"] = server.Directory },
            async figures => await ProcessRun.SignalAsync(server.PostmasterPid(), "KILL"),
            () => new Dictionary<string, string?> { ["NEON_LOCAL_DATA_DIR"] = server.Directory });
    }

    [TestMethod]
    public async Task ExternalServerRestarted_RunFailsClearly_NextRunPasses()
    {
        await using var server = await ProcessRunServer.StartAsync();
        var portBefore = server.Server.Port;
        await DieAndRecoverAsync(
            "external server restart mid-test/local",
            server,
            new Dictionary<string, string?> { ["NEON_LOCAL_CONNECTION_STRING"] = server.Server.AdminConnectionString },
            async figures =>
            {
                await server.RestartAsync();
                figures["portChangedOnRestart"] = server.Server.Port != portBefore;
            },
            () => new Dictionary<string, string?> { ["NEON_LOCAL_CONNECTION_STRING"] = server.Server.AdminConnectionString });
    }

    private static async Task DieAndRecoverAsync(string caseName, ProcessRunServer server, Dictionary<string, string?> environment, Func<Dictionary<string, object?>, Task> die, Func<Dictionary<string, string?>> nextEnvironment)
    {
        var figures = new Dictionary<string, object?>();
        var passed = false;
        var output = "";
        var waitFolder = Directory.CreateTempSubdirectory("neon-faults-wait-").FullName;
        var waitFile = Path.Combine(waitFolder, "waiting");
        environment["NEON_SAMPLE_WAIT_FILE"] = waitFile;
        try
        {
            List<string> dead;
            using (var results = new ProcessRunResults())
            await using (var run = ProcessRunSample.StartTestApp(results.Directory, ["--filter", "Name=WritesThenWaits"], environment))
            {
                await run.WaitUntilAsync(() => Task.FromResult(File.Exists(waitFile)), PhaseTimeout, "its test waited");
                dead = await server.Cluster.LitterAsync();
                var died = Stopwatch.StartNew();
                await die(figures);

                // The test goes on to its end; the reset after it meets the dead server.
                File.Delete(waitFile);
                var exited = await run.WaitForExitAsync(NoHang);
                output = run.Output;
                figures["secondsToExit"] = exited ? Math.Round(died.Elapsed.TotalSeconds, 2) : null;
                figures["exitCode"] = exited ? run.ExitCode : null;
                // Messages, not the frames of a stack trace ("at Neon.Testing...EndTestAsync(..., String failedTest, ...)").
                var errors = output.Split('\n').Select(l => l.Trim())
                    .Where(l => !l.StartsWith("at ", StringComparison.Ordinal) && l.Contains("Neon.Testing", StringComparison.Ordinal)
                        && (l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains("error", StringComparison.OrdinalIgnoreCase) || l.Contains("exception", StringComparison.OrdinalIgnoreCase)))
                    .ToList();
                figures["neonErrorLines"] = errors.Count;
                figures["firstError"] = errors.FirstOrDefault();
                Assert.IsTrue(exited, $"the run hung after the server went away:{Environment.NewLine}{output}");
                Assert.AreNotEqual(0, run.ExitCode, "a run whose server died must not pass");
                StringAssert.Contains(errors.FirstOrDefault() ?? "", "the database server went away", "no one-line message says what happened: " + output);
            }

            using var nextResults = new ProcessRunResults();
            await using var next = ProcessRunSample.StartTestApp(nextResults.Directory, ["--filter", "Name=Insert_First"], nextEnvironment());
            Assert.IsTrue(await next.WaitForExitAsync(PhaseTimeout), next.Output);
            figures["nextRunExitCode"] = next.ExitCode;
            await server.RefreshAsync();
            var left = dead.Intersect(await server.Cluster.LitterAsync()).ToList();
            figures["leftoversAfterNextRun"] = left.Count;
            Assert.AreEqual(0, next.ExitCode, next.Output);
            Assert.IsEmpty(left, $"left after the next run: {string.Join(", ", left)}");
            passed = true;
        }
        finally
        {
            FaultLog.Record(Area, caseName, passed, figures, passed ? null : (output.Length > 4000 ? output[^4000..] : output));
            Directory.Delete(waitFolder, recursive: true);
        }
    }
}
