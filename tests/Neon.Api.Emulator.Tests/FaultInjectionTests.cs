using System.Net;

namespace Neon.Api.Emulator.Tests;

[TestClass]
public sealed class FaultInjectionTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task RateLimit_Answers429WithRetryAfter_ForTheGivenNumberOfRequests()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        emulator.Faults.InjectRateLimit(2, TimeSpan.FromSeconds(3), "createProjectBranch");

        var first = await client.PostAsync($"{client.Project}/branches", NeonClient.BranchRequest());
        var other = await client.GetAsync(client.Project);
        var second = await client.PostAsync($"{client.Project}/branches", NeonClient.BranchRequest());
        var third = await client.PostAsync($"{client.Project}/branches", NeonClient.BranchRequest());

        Assert.AreEqual(HttpStatusCode.TooManyRequests, first.Status);
        Assert.AreEqual("3", first.Headers.GetValues("Retry-After").Single());
        CollectionAssert.AreEquivalent(new[] { "code", "message" }, first.Body.Select(p => p.Key).ToArray());
        Assert.AreEqual(HttpStatusCode.OK, other.Status, "the fault targets one operation");
        Assert.AreEqual(HttpStatusCode.TooManyRequests, second.Status);
        Assert.AreEqual(HttpStatusCode.Created, third.Status);
        Assert.AreEqual(3, emulator.Requests["createProjectBranch"]);
        Assert.HasCount(2, (await client.GetAsync($"{client.Project}/branches")).Body["branches"]!.AsArray(), "rate-limited requests change nothing");
    }

    [TestMethod]
    public async Task ServerErrors_AnswerTheGivenStatus_ThenServeAgain()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        emulator.Faults.InjectServerErrors(1);
        emulator.Faults.InjectServerErrors(1, 503);

        var first = await client.GetAsync(client.Project);
        var second = await client.GetAsync($"{client.Project}/branches");
        var third = await client.GetAsync(client.Project);

        Assert.AreEqual(HttpStatusCode.InternalServerError, first.Status);
        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, second.Status);
        Assert.AreEqual(HttpStatusCode.OK, third.Status);
        Assert.AreEqual(2, emulator.Requests["getProject"]);
        Assert.AreEqual(1, emulator.Requests["listProjectBranches"]);
    }

    [TestMethod]
    public async Task Locked_Answers423_ThenServesAgain()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        emulator.Faults.InjectLocked(1, "createProjectBranch");

        var first = await client.PostAsync($"{client.Project}/branches", NeonClient.BranchRequest());
        var second = await client.PostAsync($"{client.Project}/branches", NeonClient.BranchRequest());

        Assert.AreEqual((HttpStatusCode)423, first.Status);
        Assert.AreEqual(HttpStatusCode.Created, second.Status);
    }

    [TestMethod]
    public async Task FailedOperation_EndsFailedWithAnError_AndTheBranchNeverBecomesReady()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        emulator.Faults.FailNextOperations(1, "create_timeline");

        var created = await client.CreateBranchAsync();
        var operation = created["operations"]![0]!;
        var status = await client.WaitForOperationAsync(operation["id"]!.GetValue<string>(), s => s is "finished" or "failed");

        Assert.AreEqual("failed", status);
        var fetched = (await client.GetAsync($"{client.Project}/operations/{operation["id"]}")).Body["operation"]!;
        Assert.IsFalse(string.IsNullOrEmpty(fetched["error"]!.GetValue<string>()));
        Assert.AreEqual(1, fetched["failures_count"]!.GetValue<int>());
        Assert.AreEqual("init", (await client.GetAsync($"{client.Project}/branches/{created["branch"]!["id"]}")).Body["branch"]!["current_state"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task StalledOperation_StaysRunning_WhileOtherBranchesMoveOn()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        emulator.Faults.StallNextOperations(1, "create_timeline");

        var stalled = await client.CreateBranchAsync(endpoints: "read_write");
        var normal = await client.CreateBranchAsync(endpoints: "read_write");
        await client.WaitForOperationsAsync(normal);
        var stalledId = stalled["operations"]![0]!["id"]!.GetValue<string>();
        await client.WaitForOperationAsync(stalledId, s => s != "scheduling");

        Assert.AreEqual("running", await client.OperationStatusAsync(stalledId));
        Assert.AreEqual("scheduling", await client.OperationStatusAsync(stalled["operations"]![1]!["id"]!.GetValue<string>()), "a branch's later operations queue behind the stalled one");
        Assert.AreEqual("init", await client.EndpointStateAsync(stalled["endpoints"]![0]!["id"]!.GetValue<string>()));
    }

    [TestMethod]
    public async Task SlowEndpoint_StaysInit_AfterANormalOneIsActive_ThenBecomesActive()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        emulator.Faults.SlowNextEndpoints(1, TimeSpan.FromSeconds(3));

        var slow = await client.CreateBranchAsync(endpoints: "read_write");
        var normal = await client.CreateBranchAsync(endpoints: "read_write");
        await client.WaitForOperationsAsync(normal);
        var slowEndpoint = slow["endpoints"]![0]!["id"]!.GetValue<string>();

        Assert.AreEqual("init", await client.EndpointStateAsync(slowEndpoint));
        await client.WaitForEndpointActiveAsync(slowEndpoint);
        await client.WaitForOperationsAsync(slow);
    }

    [TestMethod]
    public async Task Connection_ToAStartingEndpoint_WaitsUntilItIsActive()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        emulator.Faults.SlowNextEndpoints(1, TimeSpan.FromSeconds(1));
        var created = await client.CreateBranchAsync(endpoints: "read_write");
        var endpointId = created["endpoints"]![0]!["id"]!.GetValue<string>();

        // Like a Neon compute waking up on connect: the first query simply takes longer.
        var connectionString = await client.ConnectionStringAsync(created["branch"]!["id"]!.GetValue<string>());
        Assert.AreEqual("init", await client.EndpointStateAsync(endpointId));
        Assert.AreEqual(1, await Db.ScalarAsync<int>(connectionString, "SELECT 1", TestContext.CancellationToken));
        Assert.AreEqual("active", await client.EndpointStateAsync(endpointId));
    }
}
