using Neon.Testing.Engine;
using Neon.Testing.Engine.Migrations;
using Neon.Testing.Engine.Session;

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>Failure paths are where secrets slip into messages: a refused key, a broken migration.</summary>
[TestClass]
public sealed class SecretTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task SessionStart_WithARefusedApiKey_NamesTheSetting_ButNeverTheKey()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        var wrongKey = "napi_" + Guid.NewGuid().ToString("N");

        var failure = await Assert.ThrowsExactlyAsync<NeonConfigurationException>(() => TestDatabaseSession.StartAsync(neon.Options() with { ApiKey = wrongKey }, neon.SessionLog, cancellationToken));
        neon.Observe(failure);

        Assert.AreEqual(NeonSettings.ApiKey, failure.Setting);
        StringAssert.Contains(failure.Message, "401");
        foreach (var text in neon.Log.Entries.Select(e => e.Text).Append(failure.ToString()))
        {
            Assert.IsFalse(text.Contains(wrongKey, StringComparison.Ordinal), "the refused key is never shown");
        }

        Assert.AreEqual(0, neon.Emulator.Requests["createProjectBranch"]);
        await neon.AssertNoSecretsLoggedAsync(cancellationToken, requireProductLines: false);
    }

    [TestMethod]
    public async Task SessionStart_WithABrokenMigration_ReportsIt_DeletesTheBranch_AndLogsNoPassword()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        File.WriteAllText(Path.Combine(neon.Migrations, "003_broken.sql"), "INSERT INTO customers (name) VALUES (NULL);");

        var failure = await Assert.ThrowsExactlyAsync<MigrationFailedException>(() => TestDatabaseSession.StartAsync(neon.Options(), neon.SessionLog, cancellationToken));
        neon.Observe(failure);

        Assert.AreEqual("003_broken.sql", failure.Migration);
        StringAssert.Contains(failure.Message, "23502");
        CollectionAssert.AreEqual(Array.Empty<string>(), (await neon.Api.NonDefaultBranchNamesAsync(cancellationToken)).ToArray(), "the migration branch is deleted");
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }
}
