namespace Neon.Testing.Platform.Tests;

/// <summary>NUnit (action attribute under the MTP extension's session) and xUnit v3 (its own fixture, MTP 1.x) samples.</summary>
[TestClass]
public sealed class AdapterSampleTests
{
    public static IEnumerable<object[]> Frameworks => [[Samples.NUnit], [Samples.Xunit]];

    private static Task<SampleRun> RunAsync(string sample) =>
        sample == Samples.Xunit ? Samples.RunOnceAsync(sample, "--filter-not-trait", "Category=parallel") : Samples.RunOnceAsync(sample);

    [TestMethod]
    [DynamicData(nameof(Frameworks))]
    public async Task IsolatedTests_SeeACleanDatabase_AndSeedRowsSurvive(string sample)
    {
        var run = await RunAsync(sample);
        foreach (var test in new[] { "Insert_First", "Insert_Second", "Insert_Third", "SeedRows_Deleted_First", "SeedRows_Deleted_Second" })
        {
            Assert.AreEqual("passed", run.OutcomeOf(test), test);
        }
    }

    [TestMethod]
    [DynamicData(nameof(Frameworks))]
    public async Task ReadOnlyWritesFail_AndSharedKeepsData(string sample)
    {
        var run = await RunAsync(sample);
        Assert.AreEqual("passed", run.OutcomeOf("Writes_FailInTheDatabase"));
        Assert.AreEqual("passed", run.OutcomeOf("Keeps_Data_First"));
        Assert.AreEqual("passed", run.OutcomeOf("Keeps_Data_Second"));
    }

    [TestMethod]
    [DynamicData(nameof(Frameworks))]
    public async Task FailingTest_StillGetsCleanup_AndTheSummaryCounts(string sample)
    {
        var run = await RunAsync(sample);
        Assert.AreEqual("failed", run.OutcomeOf("Failing_AfterInsert"));
        Assert.AreEqual(2, run.ExitCode, run.Output);
        CollectionAssert.AreEqual(Array.Empty<string>(), (await TestServer.SessionDatabasesAsync()).ToArray());
        Assert.AreEqual(6, run.TestsAt("Isolated"));
        Assert.AreEqual(1, run.TestsAt("ReadOnly"));
        Assert.AreEqual(2, run.TestsAt("Shared"));
        StringAssert.Contains(run.Output, "tests by level: Isolated 6, ReadOnly 1, Shared 2");
    }

    [TestMethod]
    public async Task XunitParallelCollections_EachIsolatedTestGetsItsOwnBranch()
    {
        var run = await Samples.RunAsync(Samples.Xunit, ["--filter-trait", "Category=parallel", "--parallel", "collections", "--parallel-algorithm", "aggressive"],
            new Dictionary<string, string?> { ["NEON_CONCURRENT_TESTS"] = "Branches" });

        Assert.AreEqual(0, run.ExitCode, run.Output);
        Assert.AreEqual(6, run.Outcomes.Count(o => o.Value == "passed"), run.Output);
        Assert.IsGreaterThan(0, run.RequiredSummary.GetProperty("concurrentIsolatedTests").GetInt32(), "the tests did not overlap, so this proves nothing");
        Assert.AreEqual(0, run.RequiredSummary.GetProperty("sharingViolations").GetInt32());
    }

    [TestMethod]
    public async Task XunitAggressiveAlgorithm_SerialTestsNeverWaitOnItsThreads_TheyGetBranchesOfTheirOwn()
    {
        // The sample reads DATABASE_URL, so the session is Serial; but xUnit's aggressive algorithm runs tests on a few
        // threads of its own, where a test waiting for another could hold the thread that one needs to end.
        var run = await Samples.RunAsync(Samples.Xunit, ["--filter-trait", "Category=parallel", "--parallel", "collections", "--parallel-algorithm", "aggressive", "--max-threads", "2"]);

        Assert.AreEqual(0, run.ExitCode, run.Output);
        Assert.AreEqual(6, run.Outcomes.Count(o => o.Value == "passed"), run.Output);
        Assert.AreEqual("Serial", run.RequiredSummary.GetProperty("concurrentTests").GetString());
        Assert.IsGreaterThan(0, run.RequiredSummary.GetProperty("turnsSkipped").GetInt32(), "the tests did not overlap, so this proves nothing: " + run.Output);
        Assert.AreEqual(0, run.RequiredSummary.GetProperty("turnsWaited").GetInt32(), run.Output);
        StringAssert.Contains(run.Output, "could not wait for their turn");
    }
}
