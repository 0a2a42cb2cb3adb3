using Neon.Testing.Engine.Providers.NeonCloud;

namespace Neon.Testing.Engine.Tests.Providers.NeonCloud;

[TestClass]
public sealed class NeonBranchProviderTests
{
    [TestMethod]
    public void Create_WithoutAProject_NamesTheSetting()
    {
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => new NeonBranchProvider(new NeonTestingOptions { ApiKey = "napi_x" }));

        Assert.AreEqual(NeonSettings.ProjectId, error.Setting);
    }

    [TestMethod]
    public void Create_WithoutAnApiKey_NamesTheSetting()
    {
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => new NeonBranchProvider(new NeonTestingOptions { ProjectId = "young-sun-12345678" }));

        Assert.AreEqual(NeonSettings.ApiKey, error.Setting);
        StringAssert.Contains(error.Message, "NEON_API_KEY");
    }

    [TestMethod]
    public async Task ANewProvider_HasMadeNoCalls()
    {
        await using var provider = new NeonBranchProvider(new NeonTestingOptions { ProjectId = "p", ApiKey = "napi_x" });

        Assert.AreEqual("Neon", provider.Name);
        Assert.AreEqual(0, provider.ApiCalls);
    }

    [TestMethod]
    public void Timings_PollLessOftenAsTheyWait_UpToTheLimit()
    {
        var timings = new NeonTimings();

        Assert.AreEqual(timings.FirstPollInterval, timings.PollDelay(0));
        Assert.IsGreaterThan(timings.PollDelay(0), timings.PollDelay(1));
        Assert.AreEqual(timings.MaxPollInterval, timings.PollDelay(50));
    }

    [TestMethod]
    [DataRow("finished", "Succeeded")]
    [DataRow("skipped", "Succeeded")]
    [DataRow("failed", "Failed")]
    [DataRow("error", "Failed")]
    [DataRow("cancelled", "Failed")]
    [DataRow("running", "Running")]
    [DataRow("scheduling", "Running")]
    [DataRow("cancelling", "Running")]
    [DataRow("a_status_neon_adds_later", "Running")]
    public void OperationStatuses_MapToOutcomes(string status, string expected)
    {
        Assert.AreEqual(expected, NeonStates.Outcome(status).ToString());
    }
}
