using Microsoft.Extensions.Logging;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Session;

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>Branches left at session end (kept on purpose, or refused by Neon): the session says which, and what removes each.</summary>
[TestClass]
public sealed class SessionEndTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task SessionEnd_WhenNeonKeepsRefusingADelete_WarnsAndNamesWhatRemovesTheBranch()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        Branch migration;
        await using (var session = await TestDatabaseSession.StartAsync(neon.Options(), neon.SessionLog, cancellationToken))
        {
            migration = session.MigrationBranch;
            Assert.IsNull(migration.ExpiresAt, "the migration branch has children, so Neon allows it no expiry");

            // Locked more often than the provider waits it out.
            neon.Emulator.Faults.InjectLocked(5, "deleteProjectBranch");
        }

        var warning = neon.Log.Entries.Single(e => e.Source == "session" && e.Level == LogLevel.Warning && e.Text.StartsWith($"Could not delete branch {migration.Name}:", StringComparison.Ordinal)).Text;
        StringAssert.Contains(warning, "423");
        StringAssert.Contains(warning, "NeonBranchExpiry", "a branch without expiry is left to the sweeper's age window, and the warning says so");
        Assert.IsFalse(warning.Contains("expires by itself", StringComparison.Ordinal), "it does not expire by itself");
        Assert.IsFalse(warning.Contains("..", StringComparison.Ordinal));
        CollectionAssert.AreEqual(new[] { migration.Name }, (await neon.Api.NonDefaultBranchNamesAsync(cancellationToken)).ToArray());

        await neon.Api.DeleteBranchAsync(migration.Id, cancellationToken);
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }

    [TestMethod]
    public async Task SessionEnd_WithKeepBranches_KeepsThemAndSaysWhenEachGoes()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        Branch migration, isolated;
        await using (var session = await TestDatabaseSession.StartAsync(neon.Options() with { KeepBranches = true }, neon.SessionLog, cancellationToken))
        {
            migration = session.MigrationBranch;
            await using var lease = await session.AcquireIsolatedBranchAsync(cancellationToken);
            neon.Track(lease.ConnectionString);
            isolated = lease.Branch;
        }

        CollectionAssert.AreEquivalent(new[] { migration.Name, isolated.Name }, (await neon.Api.NonDefaultBranchNamesAsync(cancellationToken)).ToArray());
        Assert.AreEqual(0, neon.Emulator.Requests["deleteProjectBranch"]);
        var keeping = neon.Log.Entries.Single(e => e.Source == "session" && e.Text.StartsWith("Keeping 2 branches (NeonKeepBranches)", StringComparison.Ordinal)).Text;
        Assert.IsNotNull(isolated.ExpiresAt);
        StringAssert.Contains(keeping, $"{isolated.ExpiresAt.Value.ToUniversalTime():u}", "says when the expiring branches go");
        StringAssert.Contains(keeping, migration.Name);
        StringAssert.Contains(keeping, "NeonBranchExpiry", "and that the migration branch, which cannot expire, is left to the sweeper");

        await neon.Api.DeleteBranchAsync(isolated.Id, cancellationToken);
        await neon.Api.DeleteBranchAsync(migration.Id, cancellationToken);
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }
}
