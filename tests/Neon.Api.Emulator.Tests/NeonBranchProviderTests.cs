using Neon.Testing.Engine;
using Neon.Testing.Engine.Providers.NeonCloud;
using Npgsql;

namespace Neon.Api.Emulator.Tests;

/// <summary>The product's own Neon provider (NSwag client, resilience, waiting) against the emulator: the proof that they speak the same API.</summary>
[TestClass]
public sealed class NeonBranchProviderTests
{
    public TestContext TestContext { get; set; } = null!;

    private static NeonTestingOptions OptionsFor(NeonApiEmulator emulator) => new()
    {
        Provider = ProviderKind.Neon,
        ProjectId = emulator.ProjectId,
        ApiKey = emulator.ApiKey,
        ApiUrl = emulator.BaseAddress,
    };

    private static string Name(string role) => BranchNames.ForSession("emulator", BranchNames.NewSessionId(), role);

    [TestMethod]
    public async Task NeonProvider_CreatesResetsReadsOnlyAndDeletes_ThroughTheEmulator()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        await using var provider = new NeonBranchProvider(OptionsFor(emulator));
        var cancellationToken = TestContext.CancellationToken;

        var root = await provider.GetRootBranchAsync(cancellationToken);
        var migration = await provider.CreateBranchAsync(new BranchRequest(Name("migration"), root.Id, DateTimeOffset.UtcNow.AddMinutes(10), WillHaveChildren: true), cancellationToken);
        var migrationEndpoint = await provider.GetEndpointAsync(migration, readOnly: false, cancellationToken);
        // The migration's pooled connection stays open, as in a real session: branching from a busy parent must work.
        await Db.ExecuteAsync(migrationEndpoint.ConnectionString, "CREATE TABLE seed (id int); INSERT INTO seed VALUES (1), (2);", cancellationToken);
        var isolated = await provider.CreateBranchAsync(new BranchRequest(Name("isolated-1"), migration.Id, DateTimeOffset.UtcNow.AddMinutes(10)), cancellationToken);
        var isolatedEndpoint = await provider.GetEndpointAsync(isolated, readOnly: false, cancellationToken);
        var readOnly = await provider.GetEndpointAsync(migration, readOnly: true, cancellationToken);

        Assert.AreEqual(root.Id, emulator.DefaultBranchId);
        Assert.IsNull(migration.ExpiresAt, "a branch that will have children carries no expiry on Neon");
        Assert.IsNotNull(isolated.ExpiresAt);
        Assert.AreEqual(2L, await Db.ScalarAsync<long>(isolatedEndpoint.ConnectionString, "SELECT count(*) FROM seed", cancellationToken));
        await Db.ExecuteAsync(isolatedEndpoint.ConnectionString, "DELETE FROM seed", cancellationToken);
        await provider.ResetBranchAsync(isolated, cancellationToken);
        // The provider leaves this process's pools to its caller (the session clears the reset branch's pools).
        using (var pooled = new NpgsqlConnection(isolatedEndpoint.ConnectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        Assert.AreEqual(2L, await Db.ScalarAsync<long>(isolatedEndpoint.ConnectionString, "SELECT count(*) FROM seed", cancellationToken), "reset restores the parent's data");
        var write = await Assert.ThrowsExactlyAsync<PostgresException>(() => Db.ExecuteAsync(readOnly.ConnectionString, "INSERT INTO seed VALUES (3)", cancellationToken));
        Assert.AreEqual(PostgresErrorCodes.ReadOnlySqlTransaction, write.SqlState);
        CollectionAssert.AreEquivalent(new[] { migration.Name, isolated.Name }, (await provider.ListOurBranchesAsync(cancellationToken)).Select(b => b.Name).ToArray());
        Assert.AreEqual(isolated.Id, (await provider.FindBranchAsync(isolated.Name, cancellationToken))?.Id);

        await provider.DeleteBranchAsync(isolated, cancellationToken);
        await provider.DeleteBranchAsync(migration, cancellationToken);

        Assert.IsFalse(await emulator.LocalDatabaseExistsAsync(isolated.Id, cancellationToken));
        Assert.IsFalse(await emulator.LocalDatabaseExistsAsync(migration.Id, cancellationToken));
        Assert.AreEqual(emulator.Requests.Total, provider.ApiCalls, "the provider counts every call the emulator received");
    }

    [TestMethod]
    public async Task NeonProvider_RidesOutRateLimitsAndServerErrors()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        await using var provider = new NeonBranchProvider(OptionsFor(emulator));
        var root = await provider.GetRootBranchAsync(TestContext.CancellationToken);
        emulator.Faults.InjectRateLimit(1, TimeSpan.FromSeconds(1), "createProjectBranch");
        emulator.Faults.InjectServerErrors(1, 503, "getProjectOperation");
        emulator.Faults.InjectLocked(1, "deleteProjectBranch");

        var branch = await provider.CreateBranchAsync(new BranchRequest(Name("shared"), root.Id, DateTimeOffset.UtcNow.AddMinutes(10)), TestContext.CancellationToken);

        Assert.AreEqual(2, emulator.Requests["createProjectBranch"], "one 429, one retry");
        using var http = emulator.CreateHttpClient();
        (await http.GetAsync($"projects/{emulator.ProjectId}/branches/{branch.Id}", TestContext.CancellationToken)).EnsureSuccessStatusCode();
        await provider.DeleteBranchAsync(branch, TestContext.CancellationToken);
        Assert.AreEqual(2, emulator.Requests["deleteProjectBranch"], "one 423, one retry");
        Assert.IsFalse(await emulator.LocalDatabaseExistsAsync(branch.Id, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task NeonProvider_ReportsAFailedOperation_AndDeletesWhatItCreated()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        await using var provider = new NeonBranchProvider(OptionsFor(emulator));
        var root = await provider.GetRootBranchAsync(TestContext.CancellationToken);
        emulator.Faults.FailNextOperations(1, "create_timeline", "emulator: timeline creation failed");

        var failure = await Assert.ThrowsExactlyAsync<NeonProviderException>(() =>
            provider.CreateBranchAsync(new BranchRequest(Name("isolated-1"), root.Id, DateTimeOffset.UtcNow.AddMinutes(10)), TestContext.CancellationToken));

        StringAssert.Contains(failure.Message, "timeline creation failed");
        Assert.IsEmpty(await provider.ListOurBranchesAsync(TestContext.CancellationToken));
        Assert.AreEqual(1, emulator.Requests["deleteProjectBranch"]);
    }
}
