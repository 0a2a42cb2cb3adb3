using System.Net;
using System.Text.Json.Nodes;

namespace Neon.Api.Emulator.Tests;

[TestClass]
public sealed class RestoreTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Restore_FromTheParent_BringsBackTheParentsDataAndSchema()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        await Db.ExecuteAsync(await client.ConnectionStringAsync(), "CREATE TABLE seed (id int); INSERT INTO seed SELECT generate_series(1, 3);", TestContext.CancellationToken);
        var created = await client.CreateBranchAsync(endpoints: "read_write");
        await client.WaitForOperationsAsync(created);
        var branchId = created["branch"]!["id"]!.GetValue<string>();
        var child = await client.ConnectionStringAsync(branchId);
        await Db.ExecuteAsync(child, "DELETE FROM seed WHERE id > 1; CREATE TABLE scratch (x int);", TestContext.CancellationToken);
        Assert.AreEqual(1L, await Db.ScalarAsync<long>(child, "SELECT count(*) FROM seed", TestContext.CancellationToken));

        var restored = (await client.PostAsync($"{client.Project}/branches/{branchId}/restore", new JsonObject { ["source_branch_id"] = client.DefaultBranchId }))
            .Expect(HttpStatusCode.OK).Body;
        await client.WaitForOperationsAsync(restored);

        Assert.AreEqual(3L, await Db.ScalarAsync<long>(child, "SELECT count(*) FROM seed", TestContext.CancellationToken));
        Assert.IsFalse(await Db.ScalarAsync<bool>(child, "SELECT to_regclass('scratch') IS NOT NULL", TestContext.CancellationToken));
        var branch = restored["branch"]!;
        Assert.AreEqual(client.DefaultBranchId, branch["parent_id"]!.GetValue<string>());
        Assert.IsNotNull(branch["last_reset_at"]);
        Assert.AreEqual(child, await client.ConnectionStringAsync(branchId), "restore keeps the branch's endpoint and connection URI");
    }

    [TestMethod]
    public async Task Restore_WithPreserveUnderName_KeepsTheOldStateAsANewBranch()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        var created = await client.CreateBranchAsync(endpoints: "read_write");
        await client.WaitForOperationsAsync(created);
        var branchId = created["branch"]!["id"]!.GetValue<string>();
        await Db.ExecuteAsync(await client.ConnectionStringAsync(branchId), "CREATE TABLE work (x int); INSERT INTO work VALUES (42);", TestContext.CancellationToken);

        var restored = (await client.PostAsync($"{client.Project}/branches/{branchId}/restore", new JsonObject
        {
            ["source_branch_id"] = client.DefaultBranchId,
            ["preserve_under_name"] = "before-restore",
        })).Expect(HttpStatusCode.OK).Body;
        await client.WaitForOperationsAsync(restored);

        var backup = (await client.GetAsync($"{client.Project}/branches?search=before-restore")).Body["branches"]!.AsArray().Single()!;
        var backupId = backup["id"]!.GetValue<string>();
        var endpoint = (await client.PostAsync($"{client.Project}/endpoints", new JsonObject { ["endpoint"] = new JsonObject { ["branch_id"] = backupId, ["type"] = "read_only" } })).Expect(HttpStatusCode.Created).Body;
        await client.WaitForOperationsAsync(endpoint);
        Assert.AreEqual(42, await Db.ScalarAsync<int>(await client.ConnectionStringAsync(backupId, endpoint["endpoint"]!["id"]!.GetValue<string>()), "SELECT x FROM work", TestContext.CancellationToken));
        Assert.IsFalse(await Db.ScalarAsync<bool>(await client.ConnectionStringAsync(branchId), "SELECT to_regclass('work') IS NOT NULL", TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task Restore_IsRefused_WithoutSource_FromItself_OrWithChildrenAndNoPreserveName()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        var parent = (await client.CreateBranchAsync())["branch"]!["id"]!.GetValue<string>();
        await client.CreateBranchAsync(parent);

        (await client.PostAsync($"{client.Project}/branches/{parent}/restore", new JsonObject())).Expect(HttpStatusCode.BadRequest);
        (await client.PostAsync($"{client.Project}/branches/{parent}/restore", new JsonObject { ["source_branch_id"] = parent })).Expect(HttpStatusCode.BadRequest);
        (await client.PostAsync($"{client.Project}/branches/{parent}/restore", new JsonObject { ["source_branch_id"] = client.DefaultBranchId })).Expect(HttpStatusCode.BadRequest);
        (await client.PostAsync($"{client.Project}/branches/{parent}/restore", new JsonObject { ["source_branch_id"] = "br-unknown-branch-a5000000" })).Expect(HttpStatusCode.NotFound);
    }
}
