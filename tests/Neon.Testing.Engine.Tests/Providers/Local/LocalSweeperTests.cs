using Neon.Testing.Engine.Providers.Local;

namespace Neon.Testing.Engine.Tests.Providers.Local;

/// <summary>What the local sweeper drops, and what it leaves, by name and marker alone.</summary>
[TestClass]
public sealed class LocalSweeperTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly HashSet<string> NoneLive = [];

    [TestMethod]
    public void Spare_StaysUntilItsTemplatesExpiry_ThoughNoSessionOwnsIt()
    {
        var template = BranchNames.ForTemplate(new string('b', 64));
        var spare = BranchNames.ForSpare(template);

        Assert.IsNull(LocalSweeper.WhyGone(spare, new DatabaseMarker("spare", Session: null, template, Now.AddHours(-1), Now.AddHours(1)), NoneLive, Now));
        StringAssert.StartsWith(LocalSweeper.WhyGone(spare, new DatabaseMarker("spare", Session: null, template, Now.AddHours(-25), Now.AddHours(-1)), NoneLive, Now), "expired");
    }

    [TestMethod]
    public void BranchOfARunThatIsGone_GoesAtOnce()
    {
        var branch = BranchNames.ForSession("main", "0123abcd", "isolated-1");

        Assert.IsNotNull(LocalSweeper.WhyGone(branch, new DatabaseMarker("branch", "42", "parent", Now.AddMinutes(-5), Now.AddHours(1)), NoneLive, Now));
        Assert.IsNull(LocalSweeper.WhyGone(branch, new DatabaseMarker("branch", "42", "parent", Now.AddMinutes(-5), Now.AddHours(1)), new HashSet<string> { "42" }, Now));
    }
}
