using Neon.Testing.Engine;
using Neon.Testing.Engine.Session;

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>The sweeper at session start: it removes what crashed runs of ours left, and nothing else.</summary>
[TestClass]
public sealed class SweeperTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task SessionStart_SweepsExpiredBranchesOfOurs_AndLeavesForeignLiveAndHeldOnes()
    {
        var cancellationToken = TestContext.CancellationToken;

        // The emulator's clock runs an hour behind: what it creates now looks an hour old to the session,
        // and an expiry five minutes ago by the session's clock is 55 minutes ahead by Neon's (so Neon keeps it).
        await using var neon = await NeonFixture.StartAsync(cancellationToken, o => o with { TimeProvider = new OffsetTimeProvider(TimeSpan.FromHours(-1)) });
        var expired = DateTimeOffset.UtcNow.AddMinutes(-5);
        var api = neon.Api;
        await api.CreateBranchAsync(BranchNames.Prefix + "main-crashed1-isolated-1", expired, withEndpoint: false, cancellationToken);
        await api.CreateBranchAsync(BranchNames.Prefix + "main-crashed2-shared", expiresAt: null, withEndpoint: false, cancellationToken);
        var crashedMigration = await api.CreateBranchAsync(BranchNames.Prefix + "main-crashed3-migration", expiresAt: null, withEndpoint: false, cancellationToken);
        await api.CreateBranchAsync(BranchNames.Prefix + "main-crashed3-isolated-1", expired, withEndpoint: false, cancellationToken, parentId: crashedMigration);
        string[] swept = [BranchNames.Prefix + "main-crashed1-isolated-1", BranchNames.Prefix + "main-crashed2-shared", BranchNames.Prefix + "main-crashed3-migration", BranchNames.Prefix + "main-crashed3-isolated-1"];

        await api.CreateBranchAsync("feature/expired-foreign", expired, withEndpoint: false, cancellationToken);
        await api.CreateBranchAsync("feature/old-foreign", expiresAt: null, withEndpoint: false, cancellationToken);
        await api.CreateBranchAsync(BranchNames.Prefix + "main-running-migration", expiresAt: null, withEndpoint: true, cancellationToken);
        await api.CreateBranchAsync(BranchNames.Prefix + "main-running-isolated-1", DateTimeOffset.UtcNow.AddMinutes(30), withEndpoint: false, cancellationToken);
        var heldParent = await api.CreateBranchAsync(BranchNames.Prefix + "main-crashed4-migration", expiresAt: null, withEndpoint: false, cancellationToken);
        await api.CreateBranchAsync("feature/child-of-ours", expiresAt: null, withEndpoint: false, cancellationToken, parentId: heldParent);
        string[] kept =
        [
            "feature/child-of-ours",              // foreign: never ours to delete
            "feature/expired-foreign",            // foreign, even though expired
            "feature/old-foreign",                // foreign
            BranchNames.Prefix + "main-crashed4-migration",  // old and ours, but a foreign child holds it
            BranchNames.Prefix + "main-running-isolated-1",  // ours, not expired yet
            BranchNames.Prefix + "main-running-migration",   // ours and old, but its compute is active: a live session
        ];
        var deletesBefore = neon.Emulator.Requests["deleteProjectBranch"];

        await using (var session = await TestDatabaseSession.StartAsync(neon.Options(), neon.SessionLog, cancellationToken))
        {
            Assert.AreEqual(deletesBefore + swept.Length, neon.Emulator.Requests["deleteProjectBranch"], "one delete per swept branch, none refused");
            var names = await api.NonDefaultBranchNamesAsync(cancellationToken);
            CollectionAssert.AreEqual(kept.Append(session.MigrationBranch.Name).Order(StringComparer.Ordinal).ToArray(), names.ToArray());
            Assert.IsTrue(neon.Log.Entries.Any(e => e.Source == "session" && e.Text == $"Swept {swept.Length} expired branches left by earlier runs."));
            foreach (var name in swept)
            {
                Assert.IsTrue(neon.Log.Entries.Any(e => e.Text.StartsWith($"Swept Neon branch {name} (", StringComparison.Ordinal)), $"{name}'s removal is logged with its reason");
            }
        }

        CollectionAssert.AreEqual(kept.Order(StringComparer.Ordinal).ToArray(), (await api.NonDefaultBranchNamesAsync(cancellationToken)).ToArray(), "the session removed its own branches and nothing it had kept");
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }
}
