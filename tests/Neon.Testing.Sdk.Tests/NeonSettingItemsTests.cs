using Neon.Testing.Engine;
using Neon.Testing.Tasks;

namespace Neon.Testing.Sdk.Tests;

[TestClass]
public sealed class NeonSettingItemsTests
{
    [TestMethod]
    public void Parse_LetsAVariableThatIsSet_WinOverTheProperty_AndAnEmptyOneClearIt()
    {
        var variables = new Dictionary<string, string?> { ["NEON_KEEP_BRANCHES"] = "true", ["NEON_ENV_VAR"] = "" };
        var options = NeonSettingItems.Parse(
            new Dictionary<string, string?> { [NeonSettings.KeepBranches] = "false", [NeonSettings.EnvVar] = "MY_DB", [NeonSettings.Database] = "app" },
            "/src/App.Tests",
            name => variables.GetValueOrDefault(name));

        Assert.IsTrue(options.KeepBranches);
        Assert.AreEqual("DATABASE_URL", options.EnvVar, "NEON_ENV_VAR= clears the property, back to the default");
        Assert.AreEqual("app", options.Database, "an unset variable leaves the property alone");
    }

    [TestMethod]
    public void Parse_ResolvesRelativePaths_AgainstTheProjectFolder_UnlessAWorkingDirectoryIsSet()
    {
        var fromProject = NeonSettingItems.Parse(new Dictionary<string, string?>(), "/src/App.Tests", _ => null);
        var configured = NeonSettingItems.Parse(new Dictionary<string, string?> { [NeonSettings.WorkingDirectory] = "/src/Db" }, "/src/App.Tests", _ => null);

        Assert.AreEqual("/src/App.Tests", fromProject.WorkingDirectory);
        Assert.AreEqual("/src/Db", configured.WorkingDirectory);
    }

    [TestMethod]
    public void Parse_NamesTheBadProperty()
    {
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() =>
            NeonSettingItems.Parse(new Dictionary<string, string?> { [NeonSettings.BranchExpiry] = "soon" }, "/src", _ => null));

        Assert.AreEqual(NeonSettings.BranchExpiry, error.Setting);
        Assert.AreEqual("NEON1009", NeonDiagnostics.ForSetting(error.Setting));
        StringAssert.Contains(error.Message, "the MSBuild property NeonBranchExpiry");
    }
}
