using Npgsql;

namespace Neon.Api.Emulator.Tests;

[TestClass]
public sealed class ReadOnlyEndpointTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task ReadOnlyEndpoint_ReadsTheBranch_ButPostgresRefusesWrites()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        var created = await client.CreateBranchAsync(endpoints: ["read_write", "read_only"]);
        await client.WaitForOperationsAsync(created);
        var branchId = created["branch"]!["id"]!.GetValue<string>();
        var readOnlyId = created["endpoints"]!.AsArray().Single(e => e!["type"]!.GetValue<string>() == "read_only")!["id"]!.GetValue<string>();
        await Db.ExecuteAsync(await client.ConnectionStringAsync(branchId), "CREATE TABLE note (body text); INSERT INTO note VALUES ('kept');", TestContext.CancellationToken);
        var readOnly = await client.ConnectionStringAsync(branchId, readOnlyId);

        Assert.AreEqual("kept", await Db.ScalarAsync<string>(readOnly, "SELECT body FROM note", TestContext.CancellationToken));
        var write = await Assert.ThrowsExactlyAsync<PostgresException>(() => Db.ExecuteAsync(readOnly, "INSERT INTO note VALUES ('lost')", TestContext.CancellationToken));
        Assert.AreEqual(PostgresErrorCodes.ReadOnlySqlTransaction, write.SqlState);

        // A session that switches itself to read-write still lacks the grants.
        await using var session = new NpgsqlConnection(readOnly);
        await session.OpenAsync(TestContext.CancellationToken);
        await new NpgsqlCommand("SET default_transaction_read_only = off", session).ExecuteNonQueryAsync(TestContext.CancellationToken);
        var forced = await Assert.ThrowsExactlyAsync<PostgresException>(() => new NpgsqlCommand("DELETE FROM note", session).ExecuteNonQueryAsync(TestContext.CancellationToken));
        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, forced.SqlState);
        var ddl = await Assert.ThrowsExactlyAsync<PostgresException>(() => new NpgsqlCommand("CREATE TABLE sneaky (x int)", session).ExecuteNonQueryAsync(TestContext.CancellationToken));
        Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, ddl.SqlState);
        Assert.AreEqual(1L, await Db.ScalarAsync<long>(await client.ConnectionStringAsync(branchId), "SELECT count(*) FROM note", TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task Endpoint_RefusesOtherRolesDatabasesAndWrongPasswords_WithPostgresErrors()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        var good = new NpgsqlConnectionStringBuilder(await client.ConnectionStringAsync());

        var otherRole = await Assert.ThrowsExactlyAsync<PostgresException>(() => Db.ExecuteAsync(new NpgsqlConnectionStringBuilder(good.ConnectionString) { Username = "postgres" }.ConnectionString, "SELECT 1", TestContext.CancellationToken));
        var otherDatabase = await Assert.ThrowsExactlyAsync<PostgresException>(() => Db.ExecuteAsync(new NpgsqlConnectionStringBuilder(good.ConnectionString) { Database = "postgres" }.ConnectionString, "SELECT 1", TestContext.CancellationToken));
        var wrongPassword = await Assert.ThrowsExactlyAsync<PostgresException>(() => Db.ExecuteAsync(new NpgsqlConnectionStringBuilder(good.ConnectionString) { Password = "npg_wrong" }.ConnectionString, "SELECT 1", TestContext.CancellationToken));

        Assert.AreEqual(PostgresErrorCodes.InvalidPassword, otherRole.SqlState);
        Assert.AreEqual(PostgresErrorCodes.InvalidCatalogName, otherDatabase.SqlState);
        Assert.AreEqual(PostgresErrorCodes.InvalidPassword, wrongPassword.SqlState);
    }

    [TestMethod]
    public async Task RevealedPasswordAndEndpointHost_BuildAConnection_WithTlsAsOnNeon()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        var endpoint = (await client.GetAsync($"{client.Project}/branches/{client.DefaultBranchId}/endpoints")).Body["endpoints"]![0]!;
        var password = (await client.GetAsync($"{client.Project}/branches/{client.DefaultBranchId}/roles/neondb_owner/reveal_password")).Body["password"]!.GetValue<string>();

        // What a client does without getConnectionURI: host from the endpoint, the revealed password, sslmode=require.
        var connectionString = $"Host={endpoint["host"]};Database=neondb;Username=neondb_owner;Password={password};SSL Mode=Require;Pooling=false";

        Assert.IsTrue(await Db.ScalarAsync<bool>(connectionString, "SELECT true", TestContext.CancellationToken));
        string? subject = null;
        var tls = new NpgsqlDataSourceBuilder(connectionString);
        tls.UseSslClientAuthenticationOptionsCallback(options => options.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            subject = certificate?.Subject;
            return true;
        });
        await using var dataSource = tls.Build();
        await using var connection = await dataSource.OpenConnectionAsync(TestContext.CancellationToken);
        Assert.AreEqual("CN=neon-api-emulator", subject, "the endpoint speaks TLS like Neon's proxy");
        Assert.AreEqual(password, new NpgsqlConnectionStringBuilder(await client.ConnectionStringAsync(pooled: true)).Password);
    }
}
