using System.Diagnostics;

namespace Neon.Testing.Platform.Tests;

/// <summary>Ctrl-C and SIGTERM (docker stop, CI timeouts) while a test holds its branch: the session still ends and deletes its branches.</summary>
[TestClass]
public sealed class CancelledRunTests
{
    [TestMethod]
    [DataRow("INT")]
    [DataRow("TERM")]
    public async Task SignalDuringATest_EndsTheSession_AndLeavesNoBranch(string signal)
    {
        var waitFile = Path.Combine(Directory.CreateTempSubdirectory("neon-signal-").FullName, "waiting");
        var before = await TestServer.SessionDatabasesAsync();
        var seenDuring = new List<string>();
        var exitAfterSignal = TimeSpan.Zero;

        var run = await Samples.RunAsync(Samples.MSTest, ["--filter", "Name=WritesThenWaits"], new Dictionary<string, string?> { ["NEON_SAMPLE_WAIT_FILE"] = waitFile }, async (process, output) =>
        {
            var waited = Stopwatch.StartNew();
            while (!File.Exists(waitFile))
            {
                Assert.IsFalse(process.HasExited, $"The run ended before its test waited:{Environment.NewLine}{output()}");
                Assert.IsLessThan(TimeSpan.FromMinutes(2), waited.Elapsed, $"The test never started:{Environment.NewLine}{output()}");
                await Task.Delay(50);
            }

            seenDuring.AddRange((await TestServer.SessionDatabasesAsync()).Except(before));

            // Our own child, by its pid.
            using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            var signalled = Stopwatch.StartNew();
            await process.WaitForExitAsync();
            exitAfterSignal = signalled.Elapsed;
        });

        var left = (await TestServer.SessionDatabasesAsync()).Except(before).ToList();
        await TestServer.DropDatabasesAsync(left);
        Assert.IsNotEmpty(seenDuring, "the session had no branch while its test ran: the signal proved nothing");
        Assert.AreNotEqual(0, run.ExitCode, run.Output);
        Assert.IsEmpty(left, $"SIG{signal} left branches: {string.Join(", ", left)}{Environment.NewLine}{run.Output}");
        Assert.IsLessThan(TimeSpan.FromSeconds(15), exitAfterSignal, $"the run took {exitAfterSignal} to end after SIG{signal}");
        StringAssert.Contains(run.Output, "session ended at exit");
    }
}
