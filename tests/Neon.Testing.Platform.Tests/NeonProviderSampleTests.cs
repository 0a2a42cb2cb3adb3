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
            new Dictionary<string, string?> { ["NEON_API_KEY"] = emulator.ApiKey, ["NEON_PROJECT_ID"] = emulator.ProjectId, ["NEON_KEEP_FAILED_BRANCHES"] = "1" });

        TestContext.WriteLine(run.Output);
        Assert.AreEqual("passed", run.OutcomeOf("Insert_Second"));
        Assert.AreEqual("passed", run.OutcomeOf("Insert_Third"));
        Assert.AreEqual("passed", run.OutcomeOf("SeedRows_Deleted_Second"));
        Assert.AreEqual("failed", run.OutcomeOf("Failing_AfterInsert"));
        Assert.AreEqual("Neon", run.RequiredSummary.GetProperty("provider").GetString());
        Assert.IsGreaterThan(0, run.RequiredSummary.GetProperty("apiCalls").GetInt32());

        // Tests are restored in the database, not through the API: the one full (API) reset is the failed test's,
        // whose state Neon's restore keeps under a name of its own.
        Assert.AreEqual(1, run.RequiredSummary.GetProperty("resets").GetProperty("full").GetInt32(), run.Output);
        Assert.AreEqual(1, emulator.Requests["restoreProjectBranch"], run.Output);
        var kept = run.RequiredSummary.GetProperty("branchesKept").EnumerateArray().Single();
        StringAssert.Contains(kept.GetProperty("name").GetString(), "-failed-1-failing_afterin");
        StringAssert.Contains(kept.GetProperty("open").GetString(), "neonctl connection-string");
        var created = emulator.Requests["createProjectBranch"];
        Assert.IsGreaterThan(0, created, run.Output);
        // Every branch goes but the migration branch, which Neon keeps as the kept branch's parent; nothing failed to go.
        Assert.AreEqual(run.RequiredSummary.GetProperty("branchesCreated").GetInt32() - 1, run.RequiredSummary.GetProperty("branchesDeleted").GetInt32(), run.Output);
        Assert.AreEqual(0, run.RequiredSummary.GetProperty("branchesLeft").GetArrayLength(), run.Output);
        Assert.DoesNotContain(emulator.ApiKey, run.Output, "the API key must never be printed");
    }
}
