using System.Net;
using System.Text.Json.Nodes;
using Npgsql;

namespace Neon.Api.Emulator.Tests;

/// <summary>Neon branches from and restores to a parent that clients are using; PostgreSQL templates cannot, so the emulator copies around them.</summary>
[TestClass]
public sealed class BusySourceTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task CreateBranch_FromAParentWithOpenSessions_CopiesCommittedData_AndLeavesTheSessionsAlone()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        var parent = await client.ConnectionStringAsync();
        await Db.ExecuteAsync(parent, "CREATE TABLE item (id int)", TestContext.CancellationToken);
        await using var busy = new NpgsqlConnection(parent);
        await busy.OpenAsync(TestContext.CancellationToken);
        await new NpgsqlCommand("INSERT INTO item VALUES (1)", busy).ExecuteNonQueryAsync(TestContext.CancellationToken);
        await using var open = await busy.BeginTransactionAsync(TestContext.CancellationToken);
        await new NpgsqlCommand("INSERT INTO item VALUES (2)", busy, open).ExecuteNonQueryAsync(TestContext.CancellationToken);

        var created = await client.CreateBranchAsync(endpoints: "read_write");
        await client.WaitForOperationsAsync(created);

        var child = await client.ConnectionStringAsync(created["branch"]!["id"]!.GetValue<string>());
        Assert.AreEqual(1L, await Db.ScalarAsync<long>(child, "SELECT count(*) FROM item", TestContext.CancellationToken), "committed rows only, as of branching");
        await open.CommitAsync(TestContext.CancellationToken);
        Assert.AreEqual(2L, (long)(await new NpgsqlCommand("SELECT count(*) FROM item", busy).ExecuteScalarAsync(TestContext.CancellationToken))!, "the parent's session carried on");
    }

    [TestMethod]
    public async Task Restore_FromASourceWithAReadOnlySession_KeepsThatSessionAlive()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        var migrated = await client.CreateBranchAsync(endpoints: ["read_write", "read_only"]);
        await client.WaitForOperationsAsync(migrated);
        var migratedId = migrated["branch"]!["id"]!.GetValue<string>();
        await Db.ExecuteAsync(await client.ConnectionStringAsync(migratedId), "CREATE TABLE seed (id int); INSERT INTO seed VALUES (1);", TestContext.CancellationToken);
        var isolated = await client.CreateBranchAsync(migratedId, endpoints: "read_write");
        await client.WaitForOperationsAsync(isolated);
        var isolatedId = isolated["branch"]!["id"]!.GetValue<string>();
        await Db.ExecuteAsync(await client.ConnectionStringAsync(isolatedId), "DELETE FROM seed", TestContext.CancellationToken);
        var readOnlyId = migrated["endpoints"]!.AsArray().Single(e => e!["type"]!.GetValue<string>() == "read_only")!["id"]!.GetValue<string>();
        await using var reader = new NpgsqlConnection(await client.ConnectionStringAsync(migratedId, readOnlyId));
        await reader.OpenAsync(TestContext.CancellationToken);

        var restored = (await client.PostAsync($"{client.Project}/branches/{isolatedId}/restore", new JsonObject { ["source_branch_id"] = migratedId })).Expect(HttpStatusCode.OK).Body;
        await client.WaitForOperationsAsync(restored);

        Assert.AreEqual(1L, await Db.ScalarAsync<long>(await client.ConnectionStringAsync(isolatedId), "SELECT count(*) FROM seed", TestContext.CancellationToken));
        Assert.AreEqual(1L, (long)(await new NpgsqlCommand("SELECT count(*) FROM seed", reader).ExecuteScalarAsync(TestContext.CancellationToken))!);
    }
}
