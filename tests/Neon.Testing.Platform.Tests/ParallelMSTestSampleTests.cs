namespace Neon.Testing.Platform.Tests;

/// <summary>MSTest with [Parallelize]: concurrent isolated tests never share a branch.</summary>
[TestClass]
public sealed class ParallelMSTestSampleTests
{
    [TestMethod]
    public async Task ConcurrentIsolatedTests_EachGetTheirOwnBranch_ThroughNeonDatabase()
    {
        var run = await Samples.RunAsync(Samples.MSTestParallel, ["--filter", "TestCategory=api"]);

        Assert.AreEqual(0, run.ExitCode, run.Output);
        Assert.AreEqual(8, run.Outcomes.Count(o => o.Value == "passed"), run.Output);
        Assert.IsGreaterThan(0, run.RequiredSummary.GetProperty("concurrentIsolatedTests").GetInt32(), "the tests did not overlap, so this proves nothing");
        Assert.IsGreaterThan(1, run.RequiredSummary.GetProperty("isolatedBranches").GetInt32());
        Assert.AreEqual(0, run.RequiredSummary.GetProperty("sharingViolations").GetInt32());
    }

    [TestMethod]
    public async Task ConcurrentIsolatedTests_ReadingTheEnvironmentVariable_FailWithTheFix()
    {
        var run = await Samples.RunAsync(Samples.MSTestParallel, ["--filter", "TestCategory=envvar"]);

        Assert.AreEqual(2, run.ExitCode, run.Output);
        Assert.IsGreaterThan(0, run.RequiredSummary.GetProperty("sharingViolations").GetInt32(), run.Output);
        StringAssert.Contains(run.Output, "read it from Neon.Testing.NeonDatabase.ConnectionString");
        StringAssert.Contains(run.Output, "[DoNotParallelize]");

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
        var run = await Samples.RunAsync(Samples.MSTestParallel, ["--filter", "TestCategory=late"]);

        Assert.AreEqual(2, run.ExitCode, run.Output);
        Assert.AreEqual(4, run.Outcomes.Count, run.Output);
        var violations = run.RequiredSummary.GetProperty("sharingViolations").GetInt32();
        Assert.IsGreaterThan(0, violations, run.Output);
        Assert.AreEqual(violations, run.Outcomes.Count(o => o.Value == "failed"), run.Output);
        Assert.AreEqual(violations, Occurrences(run.Output, "used an isolated branch that is not its own"), run.Output);
        Assert.AreEqual(violations, Occurrences(run.Output, "read it from Neon.Testing.NeonDatabase.ConnectionString"), run.Output);
    }

    private static int Occurrences(string text, string value) => (text.Length - text.Replace(value, "", StringComparison.Ordinal).Length) / value.Length;
}
