using Neon.Testing.Engine.Providers.NeonCloud;

namespace Neon.Testing.Engine.Tests.Providers.NeonCloud;

[TestClass]
public sealed class NeonSweepPlanTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 16, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Expiry = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan TemplateExpiry = TimeSpan.FromHours(24);
    private static readonly BranchFacts Main = new("br-main", "main", null, IsDefault: true, null, Now.AddDays(-30));

    [TestMethod]
    public void ExpiredBranchesOfOurs_Go()
    {
        var expired = Ours("br-1", "neon-testing/ci-aaaa-isolated-1", expiresAt: Now.AddMinutes(-1));
        var fresh = Ours("br-2", "neon-testing/ci-bbbb-isolated-1", expiresAt: Now.AddMinutes(5));

        var plan = Select(Main, expired, fresh);

        CollectionAssert.AreEqual(new[] { "br-1" }, Ids(plan));
        Assert.IsFalse(plan[0].NeedsLivenessCheck);
    }

    [TestMethod]
    public void BranchesWithoutExpiry_GoWhenOlderThanTheWindow_AfterALivenessCheck()
    {
        var old = Ours("br-1", "neon-testing/ci-aaaa-migration", createdAt: Now - Expiry - TimeSpan.FromSeconds(1));
        var young = Ours("br-2", "neon-testing/ci-bbbb-migration", createdAt: Now - Expiry + TimeSpan.FromMinutes(1));

        var plan = Select(Main, old, young);

        CollectionAssert.AreEqual(new[] { "br-1" }, Ids(plan));
        Assert.IsTrue(plan[0].NeedsLivenessCheck);
    }

    [TestMethod]
    public void BranchesWithoutExpiryOrCreationTime_AreLeftAlone_RatherThanGuessedOld()
    {
        var ageless = new BranchFacts("br-1", "neon-testing/ci-aaaa-migration", "br-main", IsDefault: false, ExpiresAt: null, CreatedAt: null);

        Assert.IsEmpty(Select(Main, ageless));
    }

    [TestMethod]
    public void MigratedTemplates_LiveForTheMigrationCacheExpiry()
    {
        var template = Ours("br-t", "neon-testing/template-0123456789abcdef", createdAt: Now.AddHours(-2));
        var stale = Ours("br-s", "neon-testing/template-fedcba9876543210", createdAt: Now.AddHours(-25));

        CollectionAssert.AreEqual(new[] { "br-s" }, Ids(Select(Main, template, stale)));
    }

    [TestMethod]
    public void TheDefaultBranch_TheRoot_OthersBranches_AndThisSessionsBranches_NeverGo()
    {
        var longAgo = Now.AddDays(-1);
        var defaultNamedLikeOurs = new BranchFacts("br-d", "neon-testing/looks-ours", null, IsDefault: true, longAgo, longAgo);
        var root = Ours("br-root", "neon-testing/parent", createdAt: longAgo);
        var theirs = new BranchFacts("br-t", "feature-x", "br-main", IsDefault: false, longAgo, longAgo);
        var mine = Ours("br-mine", "neon-testing/ci-cccc-isolated-1", expiresAt: longAgo);

        var plan = NeonSweepPlan.Select([Main, defaultNamedLikeOurs, root, theirs, mine], Now, new HashSet<string> { "br-mine" }, "br-root", Expiry, TemplateExpiry);

        Assert.IsEmpty(plan);
    }

    [TestMethod]
    public void AParentWithALiveChild_StaysWithItsWholeAncestry()
    {
        var template = Ours("br-t", "neon-testing/template-0123456789abcdef", createdAt: Now.AddDays(-2));
        var migration = Ours("br-m", "neon-testing/ci-aaaa-migration", parentId: "br-t", createdAt: Now.AddHours(-1));
        var live = Ours("br-i", "neon-testing/ci-aaaa-isolated-1", parentId: "br-m", expiresAt: Now.AddMinutes(5));

        Assert.IsEmpty(Select(Main, template, migration, live));
    }

    [TestMethod]
    public void AChildThatIsNotOurs_HoldsItsParent()
    {
        var migration = Ours("br-m", "neon-testing/ci-aaaa-migration", createdAt: Now.AddHours(-1));
        var someoneElses = new BranchFacts("br-x", "debug-copy", "br-m", IsDefault: false, null, Now.AddHours(-1));

        Assert.IsEmpty(Select(Main, migration, someoneElses));
    }

    [TestMethod]
    public void ExpiredChildren_ComeBeforeTheirParents()
    {
        var migration = Ours("br-m", "neon-testing/ci-aaaa-migration", createdAt: Now.AddHours(-1));
        var shared = Ours("br-s", "neon-testing/ci-aaaa-shared", parentId: "br-m", expiresAt: Now.AddMinutes(-50));
        var isolated = Ours("br-i", "neon-testing/ci-aaaa-isolated-1", parentId: "br-m", expiresAt: Now.AddMinutes(-50));

        var plan = Select(Main, migration, shared, isolated);

        CollectionAssert.AreEqual(new[] { "br-i", "br-s", "br-m" }, Ids(plan));
    }

    private static BranchFacts Ours(string id, string name, string parentId = "br-main", DateTimeOffset? expiresAt = null, DateTimeOffset? createdAt = null) =>
        new(id, name, parentId, IsDefault: false, expiresAt, createdAt ?? Now.AddHours(-1));

    private static IReadOnlyList<NeonSweepPlan.Candidate> Select(params BranchFacts[] branches) =>
        NeonSweepPlan.Select(branches, Now, new HashSet<string>(), "br-main", Expiry, TemplateExpiry);

    private static string[] Ids(IReadOnlyList<NeonSweepPlan.Candidate> plan) => plan.Select(c => c.Branch.Id).ToArray();
}
