using Neon.Testing.Engine;
using Neon.Testing.Hosting;

namespace Neon.Testing.Platform.Tests;

[TestClass]
public sealed class ConfigurationFileTests
{
    [TestMethod]
    public void File_IsAFlatObjectOfNeonProperties_AndTheCommandLineWins()
    {
        var folder = Directory.CreateTempSubdirectory().FullName;
        File.WriteAllText(Path.Combine(folder, NeonConfigurationFile.FileName), """{ "NeonProvider": "Local", "NeonKeepBranches": true, "NeonBranchExpiry": 120, "NeonIsolation": "ReadOnly" }""");

        var options = NeonTestRun.LoadOptions(new Dictionary<string, string?> { [NeonSettings.Isolation] = "Shared" }, folder);

        Assert.AreEqual(ProviderKind.Local, options.Provider);
        Assert.IsTrue(options.KeepBranches);
        Assert.AreEqual(TimeSpan.FromSeconds(120), options.BranchExpiry);
        Assert.AreEqual(TestIsolation.Shared, options.Isolation);
    }

    [TestMethod]
    public void File_WithAnApiKey_IsRefused_WithoutEchoingIt()
    {
        var folder = Directory.CreateTempSubdirectory().FullName;
        File.WriteAllText(Path.Combine(folder, NeonConfigurationFile.FileName), """{ "NeonApiKey": "napi_secret_value" }""");

        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => NeonConfigurationFile.Load(folder));

        StringAssert.Contains(error.Message, "NEON_API_KEY");
        Assert.DoesNotContain("napi_secret_value", error.Message);
    }

    [TestMethod]
    public void File_ThatIsNotFlat_SaysHowToFixIt()
    {
        var folder = Directory.CreateTempSubdirectory().FullName;
        File.WriteAllText(Path.Combine(folder, NeonConfigurationFile.FileName), """{ "NeonProvider": { "Name": "Local" } }""");

        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => NeonConfigurationFile.Load(folder));

        StringAssert.Contains(error.Message, "flat JSON object");
    }
}
