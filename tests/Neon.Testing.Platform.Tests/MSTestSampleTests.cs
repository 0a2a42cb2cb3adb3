namespace Neon.Testing.Platform.Tests;

/// <summary>The MSTest sample run for real: the extension brackets each test through the blocking consumer.</summary>
[TestClass]
public sealed class MSTestSampleTests
{
    private static Task<SampleRun> Run => Samples.RunOnceAsync(Samples.MSTest);

    [TestMethod]
    public async Task IsolatedTest_SeesACleanTable_AfterEarlierTestsInserted()
    {
        var run = await Run;
        Assert.AreEqual("passed", run.OutcomeOf("Insert_First"));
        Assert.AreEqual("passed", run.OutcomeOf("Insert_Second"));
        Assert.AreEqual("passed", run.OutcomeOf("Insert_Third"));
    }

    [TestMethod]
    public async Task SeedRows_Survive_AnEarlierTestDeletingThem()
    {
        var run = await Run;
        Assert.AreEqual("passed", run.OutcomeOf("SeedRows_Deleted_First"));
        Assert.AreEqual("passed", run.OutcomeOf("SeedRows_Deleted_Second"));
    }

    [TestMethod]
    public async Task ReadOnlyTest_WritesFailInTheDatabase()
    {
        var run = await Run;
        Assert.AreEqual("passed", run.OutcomeOf("Writes_FailInTheDatabase"));
        Assert.AreEqual("passed", run.OutcomeOf("Reads_TheMigratedData"));
    }

    [TestMethod]
    public async Task SharedAndPerClassTests_KeepData_AcrossTests()
    {
        var run = await Run;
        Assert.AreEqual("passed", run.OutcomeOf("Keeps_Data_Second"));
        Assert.AreEqual("passed", run.OutcomeOf("Keeps_Data_WithinTheClass_Second"));
    }

    [TestMethod]
    public async Task TransactionTests_AreRolledBack()
    {
        var run = await Run;
        Assert.AreEqual("passed", run.OutcomeOf("Insert_IsRolledBack_First"));
        Assert.AreEqual("passed", run.OutcomeOf("Insert_IsRolledBack_Second"));
    }

    [TestMethod]
    public async Task FailingTest_StillGetsCleanup_AndNoBranchIsLeft()
    {
        var run = await Run;
        Assert.AreEqual("failed", run.OutcomeOf("Failing_AfterInsert"));
        Assert.AreEqual(2, run.ExitCode, run.Output);
        CollectionAssert.AreEqual(Array.Empty<string>(), (await TestServer.SessionDatabasesAsync()).ToArray());
        // Each branch deleted, or left in the migrated state as a spare of the template for the next run.
        var created = run.RequiredSummary.GetProperty("branchesCreated").GetInt32();
        var deleted = run.RequiredSummary.GetProperty("branchesDeleted").GetInt32();
        var spared = run.RequiredSummary.GetProperty("branchesSpared").GetInt32();
        Assert.AreEqual(created, deleted + spared);

        // The readable block beside the JSON, with the same numbers (what the main job prints).
        StringAssert.Contains(run.SummaryText ?? "(no text summary written)", spared == 0 ? $"branches created {created}, deleted {deleted}" : $"branches created {created}, deleted {deleted}, left as spares for the next run {spared}");
    }

    [TestMethod]
    public async Task Summary_CountsTestsPerLevel_AndIsPrinted()
    {
        var run = await Run;
        Assert.AreEqual(8, run.TestsAt("Isolated"));
        Assert.AreEqual(2, run.TestsAt("ReadOnly"));
        Assert.AreEqual(2, run.TestsAt("Shared"));
        Assert.AreEqual(2, run.TestsAt("PerClass"));
        Assert.AreEqual(2, run.TestsAt("Transaction"));
        Assert.AreEqual("Local", run.RequiredSummary.GetProperty("provider").GetString());
        var resets = run.RequiredSummary.GetProperty("resets");

        // Each Isolated and Transaction test ends with a reset (performed or skipped clean); the
        // PerClass class gets one when it is done with its branch, not one per test.
        Assert.AreEqual(8 + 2 + 1, resets.GetProperty("performed").GetInt32() + resets.GetProperty("skippedClean").GetInt32());
        StringAssert.Contains(run.Output, "Neon.Testing: Local provider");
        StringAssert.Contains(run.Output, "tests by level: Isolated 8, ReadOnly 2, Shared 2, PerClass 2, Transaction 2");

        // What the first test paid once is said apart from the per-test cost after it.
        var isolating = run.RequiredSummary.GetProperty("isolationMs").GetDouble();
        var first = run.RequiredSummary.GetProperty("firstTestIsolationMs").GetDouble();
        Assert.IsTrue(first > 0 && first <= isolating, $"first test {first} ms of {isolating} ms");
        StringAssert.Matches(run.SummaryText ?? "(no text summary written)", new System.Text.RegularExpressions.Regex(@"isolating took \d+ ms \(the first test \d+ ms, one-time start-up included; then \d+\.\d ms per test\)"));
    }

    [TestMethod]
    public async Task ConnectionStringName_AlsoSetsConnectionStringsVariable()
    {
        var run = await Samples.RunAsync(
            Samples.MSTest,
            ["--neon-connection-string-name", "Sample", "--filter", "ClassName~EnvironmentTests"],
            new Dictionary<string, string?> { ["NEON_SAMPLE_CONNECTION_STRING_NAME"] = "Sample" });

        Assert.AreEqual("passed", run.OutcomeOf("ConnectionStringsVariable_MatchesDatabaseUrl_WhenNamed"));
    }

    [TestMethod]
    public async Task KeepBranches_LeavesTheBranches_ForDebugging()
    {
        var before = await TestServer.SessionDatabasesAsync();
        var run = await Samples.RunAsync(Samples.MSTest, ["--neon-keep-branches", "--filter", "ClassName~IsolatedTests"]);
        var kept = (await TestServer.SessionDatabasesAsync()).Except(before).ToList();
        try
        {
            Assert.IsTrue(run.RequiredSummary.GetProperty("keepBranches").GetBoolean(), run.Output);
            Assert.AreEqual(0, run.RequiredSummary.GetProperty("branchesDeleted").GetInt32());
            Assert.IsNotEmpty(kept, run.Output);
            Assert.IsTrue(kept.All(name => name.StartsWith("neon-testing/", StringComparison.Ordinal)));
        }
        finally
        {
            await TestServer.DropDatabasesAsync(kept);
        }
    }
}
