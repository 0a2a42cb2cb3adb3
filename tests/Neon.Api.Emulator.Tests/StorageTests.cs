using Npgsql;

namespace Neon.Api.Emulator.Tests;

[TestClass]
public sealed class StorageTests
{
    public TestContext TestContext { get; set; } = null!;

    private Task<long> CountAsync(string prefix) =>
        Db.AdminScalarAsync<long>(
            "SELECT (SELECT count(*) FROM pg_database WHERE starts_with(datname, @p)) + (SELECT count(*) FROM pg_roles WHERE starts_with(rolname, @p))",
            TestContext.CancellationToken,
            prefix);

    [TestMethod]
    public async Task Dispose_DropsEveryDatabaseAndRoleTheEmulatorCreated_EvenWithOpenSessions()
    {
        var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        string prefix;
        using (var client = new NeonClient(emulator, TestContext.CancellationToken))
        {
            var created = await client.CreateBranchAsync(endpoints: ["read_write", "read_only"]);
            await client.WaitForOperationsAsync(created);
            prefix = emulator.LocalDatabaseName(client.DefaultBranchId)![..17];
            await using var open = new NpgsqlConnection(await client.ConnectionStringAsync(created["branch"]!["id"]!.GetValue<string>()));
            await open.OpenAsync(TestContext.CancellationToken);
            Assert.AreEqual(4L, await CountAsync(prefix), "two databases and two roles");

            await emulator.DisposeAsync();
        }

        Assert.AreEqual(0L, await CountAsync(prefix));
    }

    [TestMethod]
    public async Task Start_RemovesTheLeftoversOfACrashedEmulator_ButNotALiveNeighboursDatabases()
    {
        const string crashed = "neonemu_0badc0de_";
        await Db.ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"CREATE DATABASE \"{crashed}db1\"; ", TestContext.CancellationToken);
        await Db.ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"CREATE ROLE \"{crashed}owner\"", TestContext.CancellationToken);
        await using var neighbour = await Emulators.StartAsync(TestContext.CancellationToken);
        var neighbourPrefix = neighbour.LocalDatabaseName(neighbour.DefaultBranchId)![..17];

        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);

        Assert.AreEqual(0L, await CountAsync(crashed));
        Assert.AreEqual(3L, await CountAsync(neighbourPrefix), "the live neighbour keeps its database and roles");
    }

    [TestMethod]
    public async Task TwoEmulators_ShareTheServer_WithoutSeeingEachOthersData()
    {
        await using var first = await Emulators.StartAsync(TestContext.CancellationToken);
        await using var second = await Emulators.StartAsync(TestContext.CancellationToken);
        using var firstClient = new NeonClient(first, TestContext.CancellationToken);
        using var secondClient = new NeonClient(second, TestContext.CancellationToken);

        await Db.ExecuteAsync(await firstClient.ConnectionStringAsync(), "CREATE TABLE mine (x int)", TestContext.CancellationToken);

        Assert.IsFalse(await Db.ScalarAsync<bool>(await secondClient.ConnectionStringAsync(), "SELECT to_regclass('mine') IS NOT NULL", TestContext.CancellationToken));
        Assert.AreNotEqual(first.ProjectId, second.ProjectId);
    }
}
