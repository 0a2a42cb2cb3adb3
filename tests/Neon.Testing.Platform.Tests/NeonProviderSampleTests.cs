using Neon.Api.Emulator;

namespace Neon.Testing.Platform.Tests;

/// <summary>The same MSTest sample on the Neon provider, against the Neon API emulator (real HTTP on loopback, real PostgreSQL behind it).</summary>
[TestClass]
public sealed class NeonProviderSampleTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task NeonProvider_IsolatesEachTest_AndDeletesEveryBranchItCreated()
    {
        await using var emulator = await NeonApiEmulator.StartAsync(
            new NeonApiEmulatorOptions { AdminConnectionString = TestServer.Server.AdminConnectionString, EndpointStartDelay = TimeSpan.FromMilliseconds(20) },
            TestContext.CancellationToken);

        var run = await Samples.RunAsync(
            Samples.MSTest,
            ["--neon-provider", "Neon", "--neon-api-url", emulator.BaseAddress.ToString(), "--filter", "ClassName~IsolatedTests"],
            new Dictionary<string, string?> { ["NEON_API_KEY"] = emulator.ApiKey, ["NEON_PROJECT_ID"] = emulator.ProjectId });

        TestContext.WriteLine(run.Output);
        Assert.AreEqual("passed", run.OutcomeOf("Insert_Second"));
        Assert.AreEqual("passed", run.OutcomeOf("Insert_Third"));
        Assert.AreEqual("passed", run.OutcomeOf("SeedRows_Deleted_Second"));
        Assert.AreEqual("failed", run.OutcomeOf("Failing_AfterInsert"));
        Assert.AreEqual("Neon", run.RequiredSummary.GetProperty("provider").GetString());
        Assert.IsGreaterThan(0, run.RequiredSummary.GetProperty("apiCalls").GetInt32());

        // Tests are restored in the database, not through the API: no full (API) reset per test.
        Assert.AreEqual(0, run.RequiredSummary.GetProperty("resets").GetProperty("full").GetInt32(), run.Output);
        Assert.AreEqual(0, emulator.Requests["restoreProjectBranch"], run.Output);
        var created = emulator.Requests["createProjectBranch"];
        Assert.IsGreaterThan(0, created, run.Output);
        Assert.AreEqual(run.RequiredSummary.GetProperty("branchesCreated").GetInt32(), run.RequiredSummary.GetProperty("branchesDeleted").GetInt32(), run.Output);
        Assert.DoesNotContain(emulator.ApiKey, run.Output, "the API key must never be printed");
    }
}
