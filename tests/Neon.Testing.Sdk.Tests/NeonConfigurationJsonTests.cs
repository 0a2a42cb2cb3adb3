using System.Text.Json;
using Neon.Testing.Tasks;

namespace Neon.Testing.Sdk.Tests;

[TestClass]
public sealed class NeonConfigurationJsonTests
{
    private static Dictionary<string, JsonElement> Parse(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }

    [TestMethod]
    public void Build_LeavesOutTheApiKey()
    {
        var text = NeonConfigurationJson.Build(new Dictionary<string, string?> { ["NeonApiKey"] = "napi_secret", ["NeonProjectId"] = "young-sun-1" }, "/src/App.Tests", out _);

        Assert.IsFalse(text.Contains("napi_secret", StringComparison.Ordinal), text);
        Assert.IsFalse(Parse(text).ContainsKey("NeonApiKey"));
        Assert.AreEqual("young-sun-1", Parse(text)["NeonProjectId"].GetString());
    }

    [TestMethod]
    public void Build_RemovesThePassword_FromTheLocalConnectionString()
    {
        var text = NeonConfigurationJson.Build(new Dictionary<string, string?> { ["NeonLocalConnectionString"] = "Host=db;Username=me;Password=hunter2" }, "/src/App.Tests", out var removed);

        Assert.IsTrue(removed);
        Assert.IsFalse(text.Contains("hunter2", StringComparison.Ordinal), text);
        Assert.AreEqual("Host=db;Username=me", Parse(text)["NeonLocalConnectionString"].GetString());
    }

    [TestMethod]
    public void Build_KeepsALocalConnectionStringWithoutPassword_AndSaysNothingWasRemoved()
    {
        var text = NeonConfigurationJson.Build(new Dictionary<string, string?> { ["NeonLocalConnectionString"] = "Host=db;Username=me" }, "/src", out var removed);

        Assert.IsFalse(removed);
        Assert.AreEqual("Host=db;Username=me", Parse(text)["NeonLocalConnectionString"].GetString());
    }

    [TestMethod]
    public void Build_DropsAnUnreadableLocalConnectionString_RatherThanCopyingIt()
    {
        var text = NeonConfigurationJson.Build(new Dictionary<string, string?> { ["NeonLocalConnectionString"] = "Password=x;=broken" }, "/src", out _);

        Assert.IsFalse(Parse(text).ContainsKey("NeonLocalConnectionString"), text);
    }

    [TestMethod]
    public void Build_WritesSwitchesAsJsonBooleans_AndEverythingElseAsStrings()
    {
        var settings = Parse(NeonConfigurationJson.Build(new Dictionary<string, string?> { ["NeonKeepBranches"] = "True", ["NeonEnabled"] = "false", ["NeonBranchExpiry"] = "600" }, "/src", out _));

        Assert.AreEqual(JsonValueKind.True, settings["NeonKeepBranches"].ValueKind);
        Assert.AreEqual(JsonValueKind.False, settings["NeonEnabled"].ValueKind);
        Assert.AreEqual("600", settings["NeonBranchExpiry"].GetString());
    }

    [TestMethod]
    public void Build_SkipsEmptyValues_AndUnknownNames()
    {
        var settings = Parse(NeonConfigurationJson.Build(new Dictionary<string, string?> { ["NeonMigrations"] = " ", ["NeonProjectId"] = null, ["SomethingElse"] = "x" }, "/src", out _));

        CollectionAssert.AreEquivalent(new[] { "NeonWorkingDirectory" }, settings.Keys.ToArray());
    }

    [TestMethod]
    public void Build_MakesTheWorkingDirectoryAbsolute_AgainstTheProjectFolder()
    {
        var fromDefault = Parse(NeonConfigurationJson.Build(new Dictionary<string, string?>(), "/src/App.Tests", out _));
        var relative = Parse(NeonConfigurationJson.Build(new Dictionary<string, string?> { ["NeonWorkingDirectory"] = "../db" }, "/src/App.Tests", out _));

        Assert.AreEqual("/src/App.Tests", fromDefault["NeonWorkingDirectory"].GetString());
        Assert.AreEqual("/src/db", relative["NeonWorkingDirectory"].GetString());
    }
}
