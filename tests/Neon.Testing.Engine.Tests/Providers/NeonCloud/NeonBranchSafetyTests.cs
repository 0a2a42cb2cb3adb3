using Neon.Testing.Engine.Providers.NeonCloud;

namespace Neon.Testing.Engine.Tests.Providers.NeonCloud;

[TestClass]
public sealed class NeonBranchSafetyTests
{
    private static readonly DateTimeOffset Created = new(2025, 1, 16, 21, 0, 0, TimeSpan.Zero);
    private static readonly BranchFacts Main = new("br-main", "main", null, IsDefault: true, null, Created);
    private static readonly BranchFacts Staging = new("br-staging", "staging", "br-main", IsDefault: false, null, Created);
    private static readonly BranchFacts Ours = new("br-ours", "neon-testing/ci-1a2b3c4d-migration", "br-main", IsDefault: false, null, Created);

    [TestMethod]
    [DataRow("main")]
    [DataRow("neon-testing/")]
    [DataRow("Neon-Testing/x")]
    [DataRow("x-neon-testing/y")]
    public void Create_RefusesNamesWithoutOurPrefix_AndSaysWhy(string name)
    {
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => NeonBranchSafety.EnsureMayCreate(name));

        StringAssert.Contains(error.Message, "does not start with 'neon-testing/'");
    }

    [TestMethod]
    public void Create_FromTheSessionsParent_IsAllowed_EvenWhenItIsTheDefaultBranch()
    {
        NeonBranchSafety.EnsureMayCreateFrom("neon-testing/x", Main, rootId: "br-main");
    }

    [TestMethod]
    public void Create_FromOneOfOurs_IsAllowed()
    {
        NeonBranchSafety.EnsureMayCreateFrom("neon-testing/x-isolated-1", Ours, rootId: "br-main");
    }

    [TestMethod]
    public void Create_FromSomeoneElsesBranch_IsRefused()
    {
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => NeonBranchSafety.EnsureMayCreateFrom("neon-testing/x", Staging, rootId: "br-main"));

        StringAssert.Contains(error.Message, "'staging' (br-staging)");
        StringAssert.Contains(error.Message, "neither");
    }

    [TestMethod]
    [DataRow("reset")]
    [DataRow("delete")]
    public void Modify_RefusesTheDefaultBranch(string action)
    {
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => NeonBranchSafety.EnsureMayModify(action, Main, rootId: "br-other"));

        Assert.AreEqual($"Refusing to {action} Neon branch 'main' (br-main): it is the project's default branch, which Neon.Testing never writes.", error.Message);
    }

    [TestMethod]
    public void Modify_RefusesADefaultBranch_EvenIfItCarriesOurPrefix()
    {
        var renamedDefault = Main with { Name = "neon-testing/main" };

        Assert.ThrowsExactly<InvalidOperationException>(() => NeonBranchSafety.EnsureMayModify("delete", renamedDefault, rootId: null));
    }

    [TestMethod]
    public void Modify_RefusesTheSessionsParent()
    {
        var parent = Ours with { Id = "br-parent" };

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => NeonBranchSafety.EnsureMayModify("reset", parent, rootId: "br-parent"));

        StringAssert.Contains(error.Message, "NeonParentBranch");
    }

    [TestMethod]
    public void Modify_RefusesBranchesWithoutOurPrefix()
    {
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => NeonBranchSafety.EnsureMayModify("delete", Staging, rootId: "br-main"));

        StringAssert.Contains(error.Message, "did not create it");
    }

    [TestMethod]
    public void Modify_RefusesWhenNeonNamesTheIdDifferentlyThanTheCallerThought()
    {
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => NeonBranchSafety.EnsureMayModify("delete", Ours, rootId: "br-main", expectedName: "neon-testing/other"));

        StringAssert.Contains(error.Message, "not 'neon-testing/other'");
    }

    [TestMethod]
    public void Modify_AllowsOurBranches()
    {
        NeonBranchSafety.EnsureMayModify("delete", Ours, rootId: "br-main", expectedName: Ours.Name);
    }

    [TestMethod]
    public void Expiry_IsSentInWholeUtcSeconds()
    {
        var now = new DateTimeOffset(2025, 1, 16, 21, 0, 0, TimeSpan.Zero);
        var requested = new DateTimeOffset(2025, 1, 16, 23, 10, 0, TimeSpan.FromHours(2)).AddMilliseconds(999);

        Assert.AreEqual(new DateTimeOffset(2025, 1, 16, 21, 10, 0, TimeSpan.Zero), NeonBranchSafety.Expiry(requested, now));
    }

    [TestMethod]
    public void Expiry_Absent_StaysAbsent_ForBranchesThatWillHaveChildren()
    {
        Assert.IsNull(NeonBranchSafety.Expiry(null, DateTimeOffset.UtcNow));
    }

    [TestMethod]
    public void Expiry_InThePast_IsRefused()
    {
        var now = DateTimeOffset.UtcNow;

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NeonBranchSafety.Expiry(now.AddSeconds(-1), now));
    }
}
