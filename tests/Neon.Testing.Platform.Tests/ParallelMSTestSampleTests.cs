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
    }
}
