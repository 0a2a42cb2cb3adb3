using Microsoft.Extensions.Logging;
using Neon.Testing.Branching;

namespace Neon.Testing.Neon.Tests;

/// <summary>When Neon will not delete a branch at session end: the session says so, and says what removes the branch instead.</summary>
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
}
