namespace Neon.Testing.Engine.Tests;

[TestClass]
public sealed class NeonTestingOptionsTests
{
    private static NeonTestingOptions Parse(params (string Key, string? Value)[] settings) =>
        NeonTestingOptions.Parse(settings.ToDictionary(s => s.Key, s => s.Value));

    [TestMethod]
    public void Defaults_MatchTheDesignCard()
    {
        var options = Parse();

        Assert.IsTrue(options.Enabled);
        Assert.AreEqual(ProviderKind.Local, options.ResolvedProvider);
        Assert.AreEqual("neondb", options.Database);
        Assert.AreEqual("neondb_owner", options.Role);
        Assert.AreEqual(TimeSpan.FromSeconds(600), options.BranchExpiry);
        Assert.AreEqual("DATABASE_URL", options.EnvVar);
        Assert.AreEqual(TestIsolation.Isolated, options.Isolation);
        Assert.IsFalse(options.KeepBranches);
    }

    [TestMethod]
    public void Auto_ResolvesToNeon_OnlyWithBothKeyAndProject()
    {
        Assert.AreEqual(ProviderKind.Neon, Parse((NeonSettings.ApiKey, "k"), (NeonSettings.ProjectId, "p")).ResolvedProvider);
        Assert.AreEqual(ProviderKind.Local, Parse((NeonSettings.ApiKey, "k")).ResolvedProvider);
    }

    [TestMethod]
    public void LaterSources_Win_AndEmptyValuesAreIgnored()
    {
        var options = NeonTestingOptions.Parse(
            new Dictionary<string, string?> { [NeonSettings.KeepBranches] = "true", [NeonSettings.EnvVar] = "FIRST" },
            new Dictionary<string, string?> { [NeonSettings.KeepBranches] = "false", [NeonSettings.EnvVar] = " " });

        Assert.IsFalse(options.KeepBranches);
        Assert.AreEqual("FIRST", options.EnvVar);
    }

    [TestMethod]
    [DataRow("600", 600)]
    [DataRow("90s", 90)]
    [DataRow("10m", 600)]
    [DataRow("2h", 7200)]
    [DataRow("00:05:00", 300)]
    public void BranchExpiry_AcceptsSecondsSuffixesAndTimeSpans(string value, int seconds) =>
        Assert.AreEqual(TimeSpan.FromSeconds(seconds), Parse((NeonSettings.BranchExpiry, value)).BranchExpiry);

    [TestMethod]
    [DataRow(NeonSettings.BranchExpiry, "soon")]
    [DataRow(NeonSettings.BranchExpiry, "0")]
    [DataRow(NeonSettings.KeepBranches, "maybe")]
    [DataRow(NeonSettings.Provider, "Cloud")]
    [DataRow(NeonSettings.Isolation, "Serializable")]
    [DataRow(NeonSettings.Isolation, "1")]
    [DataRow(NeonSettings.EnvVar, "DATABASE-URL")]
    [DataRow(NeonSettings.Migrations, "does/not/exist")]
    [DataRow(NeonSettings.ApiUrl, "ftp://example")]
    public void InvalidValues_FailNamingTheProperty(string setting, string value)
    {
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => Parse((setting, value)));

        Assert.AreEqual(setting, error.Setting);
        StringAssert.Contains(error.Message, setting);
    }

    [TestMethod]
    public void NeonProvider_WithoutKey_SaysToSetTheEnvironmentVariable()
    {
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => Parse((NeonSettings.Provider, "Neon"), (NeonSettings.ProjectId, "p")));

        Assert.AreEqual(NeonSettings.ApiKey, error.Setting);
        StringAssert.Contains(error.Message, "NEON_API_KEY");
    }

    [TestMethod]
    public void InvalidLocalConnectionString_NeverEchoesItsPassword()
    {
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => Parse((NeonSettings.LocalConnectionString, "Host=x;Password=hunter2;Bogus Key=1")));

        Assert.DoesNotContain("hunter2", error.Message);
    }

    [TestMethod]
    public void ToString_NeverShowsTheApiKey() =>
        Assert.DoesNotContain("secret-key", Parse((NeonSettings.ApiKey, "secret-key"), (NeonSettings.ProjectId, "p")).ToString());

    [TestMethod]
    public void FromEnvironment_MapsVariablesToProperties()
    {
        var environment = new Dictionary<string, string> { ["NEON_KEEP_BRANCHES"] = "1", ["NEON_PARENT_BRANCH_ID"] = "br-main" };
        var options = NeonTestingOptions.Parse(NeonTestingOptions.FromEnvironment(name => environment.GetValueOrDefault(name)));

        Assert.IsTrue(options.KeepBranches);
        Assert.AreEqual("br-main", options.ParentBranch);
    }

    [TestMethod]
    public void FromEnvironment_KeepsEmptyApart_FromUnset()
    {
        var values = NeonTestingOptions.FromEnvironment(name => name == "NEON_ISOLATION" ? "" : null);

        Assert.AreEqual("", values[NeonSettings.Isolation]);
        Assert.IsNull(values[NeonSettings.Database]);
    }

    [TestMethod]
    public void Validate_ChecksOptionsBuiltWithoutParse()
    {
        var options = Parse() with { Migrations = "no/such/folder" };

        var error = Assert.ThrowsExactly<NeonConfigurationException>(options.Validate);

        Assert.AreEqual(NeonSettings.Migrations, error.Setting);
    }
}
