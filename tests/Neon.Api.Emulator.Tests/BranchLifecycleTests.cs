using System.Net;
using System.Text.RegularExpressions;

namespace Neon.Api.Emulator.Tests;

[TestClass]
public sealed class BranchLifecycleTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task CreateBranch_FinishesOperations_ActivatesEndpoint_AndItsUriSeesTheParentsData()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        var parent = await client.ConnectionStringAsync();
        await Db.ExecuteAsync(parent, "CREATE TABLE fruit (name text); INSERT INTO fruit VALUES ('apple'), ('pear');", TestContext.CancellationToken);

        var created = await client.CreateBranchAsync(client.DefaultBranchId, "child", null, "read_write");

        var branch = created["branch"]!;
        var endpoint = created["endpoints"]![0]!;
        Assert.AreEqual(client.DefaultBranchId, branch["parent_id"]!.GetValue<string>());
        Assert.AreEqual("child", branch["name"]!.GetValue<string>());
        Assert.AreEqual("init", branch["current_state"]!.GetValue<string>());
        Assert.AreEqual("init", endpoint["current_state"]!.GetValue<string>());
        CollectionAssert.AreEqual(new[] { "create_timeline", "start_compute" }, created["operations"]!.AsArray().Select(o => o!["action"]!.GetValue<string>()).ToArray());
        Assert.IsTrue(created["operations"]!.AsArray().All(o => o!["status"]!.GetValue<string>() == "scheduling"));

        await client.WaitForOperationsAsync(created);

        var branchId = branch["id"]!.GetValue<string>();
        var endpointId = endpoint["id"]!.GetValue<string>();
        Assert.AreEqual("active", await client.EndpointStateAsync(endpointId));
        var fetched = (await client.GetAsync($"{client.Project}/branches/{branchId}")).Expect(HttpStatusCode.OK).Body["branch"]!;
        Assert.AreEqual("ready", fetched["current_state"]!.GetValue<string>());
        Assert.IsNull(fetched["pending_state"]);
        var child = await client.ConnectionStringAsync(branchId);
        Assert.AreEqual(2L, await Db.ScalarAsync<long>(child, "SELECT count(*) FROM fruit", TestContext.CancellationToken));

        await Db.ExecuteAsync(child, "INSERT INTO fruit VALUES ('plum')", TestContext.CancellationToken);
        Assert.AreEqual(2L, await Db.ScalarAsync<long>(parent, "SELECT count(*) FROM fruit", TestContext.CancellationToken), "a child's writes stay in the child");
    }

    [TestMethod]
    public async Task Ids_HaveNeonShapes_AndTheDefaultBranchIsFlagged()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);

        var created = await client.CreateBranchAsync(endpoints: "read_only");
        var branches = (await client.GetAsync($"{client.Project}/branches")).Expect(HttpStatusCode.OK).Body["branches"]!.AsArray();

        Assert.MatchesRegex(new Regex("^[a-z]+-[a-z]+-[0-9]{8}$"), emulator.ProjectId);
        Assert.MatchesRegex(new Regex("^br-[a-z]+-[a-z]+-[a-z0-9]{8}$"), created["branch"]!["id"]!.GetValue<string>());
        Assert.MatchesRegex(new Regex("^ep-[a-z]+-[a-z]+-[a-z0-9]{8}$"), created["endpoints"]![0]!["id"]!.GetValue<string>());
        Assert.AreEqual("read_only", created["endpoints"]![0]!["type"]!.GetValue<string>());
        var main = branches.Single(b => b!["id"]!.GetValue<string>() == client.DefaultBranchId)!;
        Assert.IsTrue(main["default"]!.GetValue<bool>());
        Assert.IsTrue(main["primary"]!.GetValue<bool>());
        Assert.AreEqual("main", main["name"]!.GetValue<string>());
        var child = branches.Single(b => b!["id"]!.GetValue<string>() != client.DefaultBranchId)!;
        Assert.IsFalse(child["default"]!.GetValue<bool>());
        Assert.AreEqual(child["id"]!.GetValue<string>(), child["name"]!.GetValue<string>(), "an unnamed branch is named after its id");
    }

    [TestMethod]
    public async Task DeleteBranch_DropsItsDatabase_ThenAnswers404ForGet_And204ForASecondDelete()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        var created = await client.CreateBranchAsync(endpoints: "read_write");
        await client.WaitForOperationsAsync(created);
        var branchId = created["branch"]!["id"]!.GetValue<string>();
        Assert.IsTrue(await emulator.LocalDatabaseExistsAsync(branchId, TestContext.CancellationToken));

        var deleted = (await client.DeleteAsync($"{client.Project}/branches/{branchId}")).Expect(HttpStatusCode.OK).Body;
        CollectionAssert.AreEquivalent(new[] { "suspend_compute", "delete_timeline" }, deleted["operations"]!.AsArray().Select(o => o!["action"]!.GetValue<string>()).ToArray());
        await client.WaitForOperationsAsync(deleted);

        Assert.IsFalse(await emulator.LocalDatabaseExistsAsync(branchId, TestContext.CancellationToken));
        Assert.AreEqual(0L, await Db.AdminScalarAsync<long>("SELECT count(*) FROM pg_database WHERE datname = @p", TestContext.CancellationToken, emulator.LocalDatabaseName(branchId)!));
        (await client.GetAsync($"{client.Project}/branches/{branchId}")).Expect(HttpStatusCode.NotFound);
        (await client.GetAsync($"{client.Project}/endpoints/{created["endpoints"]![0]!["id"]}")).Expect(HttpStatusCode.NotFound);
        (await client.DeleteAsync($"{client.Project}/branches/{branchId}")).Expect(HttpStatusCode.NoContent);
        // The spec: 204 "if the branch doesn't exist or has already been deleted", never-existed included.
        (await client.DeleteAsync($"{client.Project}/branches/br-never-existed-a5000000")).Expect(HttpStatusCode.NoContent);
        (await client.DeleteAsync($"{client.Project}/endpoints/ep-never-existed-a5000000")).Expect(HttpStatusCode.NoContent);
    }

    [TestMethod]
    public async Task DeleteDefaultBranch_IsRefused_AndTheBranchStays()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);

        var response = await client.DeleteAsync($"{client.Project}/branches/{client.DefaultBranchId}");

        Assert.AreEqual(HttpStatusCode.BadRequest, response.Status);
        StringAssert.Contains(response.Body["message"]!.GetValue<string>(), "default branch");
        (await client.GetAsync($"{client.Project}/branches/{client.DefaultBranchId}")).Expect(HttpStatusCode.OK);
        Assert.IsTrue(await emulator.LocalDatabaseExistsAsync(client.DefaultBranchId, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task DeleteBranchWithChildren_IsRefused_UntilTheChildIsGone()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        var parent = (await client.CreateBranchAsync())["branch"]!["id"]!.GetValue<string>();
        var child = (await client.CreateBranchAsync(parent))["branch"]!["id"]!.GetValue<string>();

        (await client.DeleteAsync($"{client.Project}/branches/{parent}")).Expect(HttpStatusCode.BadRequest);
        (await client.DeleteAsync($"{client.Project}/branches/{child}")).Expect(HttpStatusCode.OK);
        (await client.DeleteAsync($"{client.Project}/branches/{parent}")).Expect(HttpStatusCode.OK);
    }

    [TestMethod]
    public async Task EndpointLifecycle_CreateListDelete_ThroughTheEndpointRoutes()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        var branchId = (await client.CreateBranchAsync())["branch"]!["id"]!.GetValue<string>();

        var created = (await client.PostAsync($"{client.Project}/endpoints", new System.Text.Json.Nodes.JsonObject
        {
            ["endpoint"] = new System.Text.Json.Nodes.JsonObject { ["branch_id"] = branchId, ["type"] = "read_write" },
        })).Expect(HttpStatusCode.Created).Body;
        var endpointId = created["endpoint"]!["id"]!.GetValue<string>();
        await client.WaitForOperationsAsync(created);
        var second = await client.PostAsync($"{client.Project}/endpoints", new System.Text.Json.Nodes.JsonObject
        {
            ["endpoint"] = new System.Text.Json.Nodes.JsonObject { ["branch_id"] = branchId, ["type"] = "read_write" },
        });

        Assert.AreEqual(HttpStatusCode.Conflict, second.Status, "a branch has one read_write endpoint");
        var listed = (await client.GetAsync($"{client.Project}/branches/{branchId}/endpoints")).Expect(HttpStatusCode.OK).Body["endpoints"]!.AsArray();
        Assert.AreEqual(endpointId, listed.Single()!["id"]!.GetValue<string>());
        Assert.AreEqual(1, await Db.ScalarAsync<int>(await client.ConnectionStringAsync(branchId), "SELECT 1", TestContext.CancellationToken));
        var deleted = (await client.DeleteAsync($"{client.Project}/endpoints/{endpointId}")).Expect(HttpStatusCode.OK).Body;
        await client.WaitForOperationsAsync(deleted);
        Assert.IsEmpty((await client.GetAsync($"{client.Project}/branches/{branchId}/endpoints")).Body["endpoints"]!.AsArray());
        (await client.DeleteAsync($"{client.Project}/endpoints/{endpointId}")).Expect(HttpStatusCode.NoContent);
        (await client.GetAsync($"{client.Project}/connection_uri?branch_id={branchId}&database_name=neondb&role_name=neondb_owner")).Expect(HttpStatusCode.NotFound);
    }
}
