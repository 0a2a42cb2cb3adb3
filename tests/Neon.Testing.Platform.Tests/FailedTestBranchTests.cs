using System.Diagnostics;

namespace Neon.Testing.Platform.Tests;

/// <summary>A failed test's database is kept as it was at the failure, listed with a command that opens it.</summary>
[TestClass]
public sealed class FailedTestBranchTests
{
    [TestMethod]
    public async Task FailedTest_KeepsItsRows_OnABranchOfItsOwn_AndTheNextTestsStartClean()
    {
        var before = await TestServer.SessionDatabasesAsync();
        var run = await Samples.RunAsync(Samples.MSTest, ["--filter", "ClassName~IsolatedTests"], new Dictionary<string, string?> { ["NEON_KEEP_FAILED_BRANCHES"] = null });
        var left = (await TestServer.SessionDatabasesAsync()).Except(before).ToList();
        try
        {
            Assert.AreEqual("failed", run.OutcomeOf("Failing_AfterInsert"), run.Output);
            foreach (var test in new[] { "Insert_First", "Insert_Second", "Insert_Third", "SeedRows_Deleted_First", "SeedRows_Deleted_Second", "Reading_Only_Costs_Nothing" })
            {
                Assert.AreEqual("passed", run.OutcomeOf(test), $"{test} after the kept failure:{Environment.NewLine}{run.Output}");
            }

            var kept = run.RequiredSummary.GetProperty("branchesKept").EnumerateArray().Single();
            var name = kept.GetProperty("name").GetString()!;
            StringAssert.Contains(kept.GetProperty("test").GetString(), "Failing_AfterInsert");
            StringAssert.Contains(name, "-failed-1-failing_afterin");
            CollectionAssert.AreEqual(new[] { name }, left, "only the kept branch outlives the run");
            StringAssert.Contains(run.SummaryText, $"kept for failed test ");
            StringAssert.Contains(run.SummaryText, name);

            // The printed command opens it, and the failed test's row is there; the password is never printed.
            var open = kept.GetProperty("open").GetString()!;
            StringAssert.Contains(run.SummaryText, open);
            var password = new Npgsql.NpgsqlConnectionStringBuilder(TestServer.Server.AdminConnectionString).Password!;
            Assert.DoesNotContain(password, run.Output);
            Assert.DoesNotContain(password, open);
            var rows = await ShellAsync($"{open} -At -c \"SELECT count(*) FROM items WHERE name = 'left by a failing test'\"");
            Assert.AreEqual("1", rows.Trim(), $"the kept branch lost the failed test's row ({open})");
        }
        finally
        {
            await TestServer.DropDatabasesAsync(left);
        }
    }

    [TestMethod]
    public async Task KeepFailedBranchesZeroOption_RestoresTheFailedTestLikeAnyOther()
    {
        var before = await TestServer.SessionDatabasesAsync();
        var run = await Samples.RunAsync(Samples.MSTest, ["--neon-keep-failed-branches", "0", "--filter", "FullyQualifiedName~IsolatedTests.Failing"], new Dictionary<string, string?> { ["NEON_KEEP_FAILED_BRANCHES"] = "3" });
        var left = (await TestServer.SessionDatabasesAsync()).Except(before).ToList();
        await TestServer.DropDatabasesAsync(left);

        Assert.AreEqual("failed", run.OutcomeOf("Failing_AfterInsert"), run.Output);
        Assert.AreEqual(0, run.RequiredSummary.GetProperty("branchesKept").GetArrayLength());
        Assert.IsEmpty(left);
    }

    private static async Task<string> ShellAsync(string command)
    {
        var startInfo = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(command);
        using var process = Process.Start(startInfo)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.AreEqual(0, process.ExitCode, error);
        return output;
    }
}
