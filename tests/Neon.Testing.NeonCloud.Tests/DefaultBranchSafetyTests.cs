using Neon.Testing.Engine;
using Neon.Testing.Engine.Session;

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>The session's provider never deletes, resets or opens a write endpoint on a branch that is not ours; the refusal comes before any such request.</summary>
[TestClass]
public sealed class DefaultBranchSafetyTests
{
    private static readonly string[] WritingOperations = ["deleteProjectBranch", "restoreProjectBranch", "createProjectEndpoint", "deleteProjectEndpoint", "createProjectBranch"];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Provider_RefusesToDeleteOrResetTheDefaultBranch_BeforeAnyRequestReachesNeon()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        var foreignId = await neon.Api.CreateBranchAsync("feature/someone-elses-work", expiresAt: null, withEndpoint: false, cancellationToken);
        await using (var session = await TestDatabaseSession.StartAsync(neon.Options(), neon.SessionLog, cancellationToken))
        {
            var provider = session.Provider;
            var root = await provider.GetRootBranchAsync(cancellationToken);
            Assert.AreEqual(neon.Emulator.DefaultBranchId, root.Id);
            var foreign = new Branch(foreignId, "feature/someone-elses-work", root.Id, null);
            var before = Count(neon);

            // The default branch, as the provider knows it, and dressed up with our prefix: Neon's word decides.
            var disguised = root with { Name = BranchNames.Prefix + "looks-like-ours" };
            foreach (var branch in new[] { root, disguised })
            {
                var delete = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => provider.DeleteBranchAsync(branch, cancellationToken));
                StringAssert.Contains(delete.Message, "default branch");
                var reset = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => provider.ResetBranchAsync(branch, cancellationToken));
                StringAssert.Contains(reset.Message, "default branch");
            }

            await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => provider.GetEndpointAsync(root, readOnly: false, cancellationToken));
            await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => provider.GetEndpointAsync(root, readOnly: true, cancellationToken));

            // A branch someone else made: not ours by name, so never reset or deleted.
            var foreignDelete = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => provider.DeleteBranchAsync(foreign, cancellationToken));
            StringAssert.Contains(foreignDelete.Message, BranchNames.Prefix);
            await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => provider.ResetBranchAsync(foreign, cancellationToken));

            // Nor are branches created from it, or created without our prefix.
            await Assert.ThrowsExactlyAsync<InvalidOperationException>(() =>
                provider.CreateBranchAsync(new BranchRequest(BranchNames.Prefix + "child-of-foreign", foreignId, DateTimeOffset.UtcNow.AddMinutes(10)), cancellationToken));
            await Assert.ThrowsExactlyAsync<InvalidOperationException>(() =>
                provider.CreateBranchAsync(new BranchRequest("no-prefix", root.Id, DateTimeOffset.UtcNow.AddMinutes(10)), cancellationToken));

            CollectionAssert.AreEqual(before, Count(neon), "no delete, restore, endpoint or create request reached Neon");
        }

        var branches = await neon.Api.ListBranchesAsync(cancellationToken);
        Assert.IsTrue(branches.Single(b => b.Id == neon.Emulator.DefaultBranchId).IsDefault, "the default branch is still there");
        Assert.IsTrue(await neon.Emulator.LocalDatabaseExistsAsync(neon.Emulator.DefaultBranchId, cancellationToken), "with its data");
        CollectionAssert.AreEqual(new[] { "feature/someone-elses-work" }, (await neon.Api.NonDefaultBranchNamesAsync(cancellationToken)).ToArray(), "the foreign branch is untouched");
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }

    private static int[] Count(NeonFixture neon) => WritingOperations.Select(o => neon.Emulator.Requests[o]).ToArray();
}
