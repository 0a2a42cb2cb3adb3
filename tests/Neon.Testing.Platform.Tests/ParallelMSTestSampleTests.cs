namespace Neon.Testing.Platform.Tests;

/// <summary>
/// MSTest with [Parallelize]: concurrent isolated tests never share a branch. The sample reads DATABASE_URL, so by default
/// (NeonConcurrentTests=Auto) its isolated tests take turns on one branch; with Branches each gets its own.
/// </summary>
[TestClass]
public sealed class ParallelMSTestSampleTests
{
    [TestMethod]
    public async Task ConcurrentIsolatedTests_EachGetTheirOwnBranch_ThroughNeonDatabase()
    {
        var run = await Samples.RunAsync(Samples.MSTestParallel, ["--filter", "TestCategory=api", .. Branches]);

        Assert.AreEqual(0, run.ExitCode, run.Output);
        Assert.AreEqual(8, run.Outcomes.Count(o => o.Value == "passed"), run.Output);
        Assert.IsGreaterThan(0, run.RequiredSummary.GetProperty("concurrentIsolatedTests").GetInt32(), "the tests did not overlap, so this proves nothing");
        Assert.IsGreaterThan(1, run.RequiredSummary.GetProperty("isolatedBranches").GetInt32());
        Assert.AreEqual(0, run.RequiredSummary.GetProperty("sharingViolations").GetInt32());
    }

    [TestMethod]
    public async Task ConcurrentIsolatedTests_ReadingTheEnvironmentVariable_TakeTurnsOnItsBranch_ByDefault()
    {
        var run = await Samples.RunAsync(Samples.MSTestParallel, ["--filter", "TestCategory=envvar"]);

        Assert.AreEqual(0, run.ExitCode, run.Output);
        Assert.AreEqual(4, run.Outcomes.Count(o => o.Value == "passed"), run.Output);
        Assert.AreEqual("Serial", run.RequiredSummary.GetProperty("concurrentTests").GetString());
        Assert.IsTrue(run.RequiredSummary.GetProperty("serialByTestCode").GetBoolean(), run.Output);
        Assert.IsGreaterThan(0, run.RequiredSummary.GetProperty("turnsWaited").GetInt32(), "no test waited for another, so this proves nothing: " + run.Output);
        Assert.AreEqual(1, run.RequiredSummary.GetProperty("isolatedBranches").GetInt32());
        Assert.AreEqual(0, run.RequiredSummary.GetProperty("sharingViolations").GetInt32());
        StringAssert.Contains(run.Output, "isolated tests took turns on one branch");
        StringAssert.Contains(run.Output, "the test code reads DATABASE_URL");
    }

    [TestMethod]
    public async Task ConcurrentIsolatedTests_ReadingTheEnvironmentVariable_OnBranchesOfTheirOwn_FailWithTheFix()
    {
        var run = await Samples.RunAsync(Samples.MSTestParallel, ["--filter", "TestCategory=envvar", .. Branches]);

        Assert.AreEqual(2, run.ExitCode, run.Output);
        Assert.IsGreaterThan(0, run.RequiredSummary.GetProperty("sharingViolations").GetInt32(), run.Output);
        StringAssert.Contains(run.Output, "read it from Neon.Testing.NeonDatabase.ConnectionString");
        StringAssert.Contains(run.Output, "NeonConcurrentTests=Serial");

        // Failed once, counted once, said once: each of the 4 tests has one result, and each sharing failure one message.
        Assert.AreEqual(4, run.Outcomes.Count, run.Output);
        StringAssert.Matches(run.Output, new System.Text.RegularExpressions.Regex(@"total:\s+4\b"), run.Output);
        var violations = run.RequiredSummary.GetProperty("sharingViolations").GetInt32();
        Assert.AreEqual(violations, Occurrences(run.Output, "read it from Neon.Testing.NeonDatabase.ConnectionString"), run.Output);
        Assert.IsLessThanOrEqualTo(run.Outcomes.Count(o => o.Value == "failed"), violations, run.Output);
    }

    [TestMethod]
    public async Task TestsReadingTheEnvironmentVariable_AfterItsBranchsTestEnded_FailWithTheFix()
    {
        var run = await Samples.RunAsync(Samples.MSTestParallel, ["--filter", "TestCategory=late", .. Branches]);

        Assert.AreEqual(2, run.ExitCode, run.Output);
        Assert.AreEqual(4, run.Outcomes.Count, run.Output);
        var violations = run.RequiredSummary.GetProperty("sharingViolations").GetInt32();
        Assert.IsGreaterThan(0, violations, run.Output);
        Assert.AreEqual(violations, run.Outcomes.Count(o => o.Value == "failed"), run.Output);
        Assert.AreEqual(violations, Occurrences(run.Output, "used an isolated branch that is not its own"), run.Output);
        Assert.AreEqual(violations, Occurrences(run.Output, "read it from Neon.Testing.NeonDatabase.ConnectionString"), run.Output);
    }

    private static readonly string[] Branches = ["--neon-concurrent-tests", "Branches"];

    private static int Occurrences(string text, string value) => (text.Length - text.Replace(value, "", StringComparison.Ordinal).Length) / value.Length;
}
