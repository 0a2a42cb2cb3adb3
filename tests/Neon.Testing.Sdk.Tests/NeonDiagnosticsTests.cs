using System.Xml.Linq;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Configuration;
using Neon.Testing.Tasks;

namespace Neon.Testing.Sdk.Tests;

/// <summary>
/// Drift checks against the settings catalogue: every setting has its own NEON code, the targets hand every
/// setting to the tasks, and the READMEs' tables list exactly the catalogue's settings, variables, options,
/// defaults and codes.
/// </summary>
[TestClass]
public sealed class NeonDiagnosticsTests
{
    private static string[] AllCodes => [.. NeonDiagnostics.SettingCodes.Values,
        NeonDiagnostics.OtherSetting, NeonDiagnostics.PasswordNotWritten, NeonDiagnostics.RuntimePackageMissing,
        NeonDiagnostics.UnsupportedMSBuild, NeonDiagnostics.EfCorePackageMissing, NeonDiagnostics.EfCoreNeedsTestProcess, NeonDiagnostics.SessionStartFailed, NeonDiagnostics.MigrationFailed, NeonDiagnostics.SessionStopFailed];

    [TestMethod]
    public void EverySetting_HasACodeOfItsOwn()
    {
        foreach (var setting in NeonSettingCatalog.All)
        {
            Assert.AreEqual(setting.Code, NeonDiagnostics.ForSetting(setting.Property), setting.Property);
            Assert.AreNotEqual(NeonDiagnostics.OtherSetting, NeonDiagnostics.ForSetting(setting.Property), setting.Property);
        }

        Assert.AreEqual(AllCodes.Length, AllCodes.Distinct().Count(), "two diagnostics share a code");
    }

    [TestMethod]
    public void UnknownSetting_GetsTheGeneralCode()
    {
        Assert.AreEqual("NEON1000", NeonDiagnostics.ForSetting("neon-testing.json"));
        Assert.AreEqual("NEON1000", NeonDiagnostics.ForSetting(null));
    }

    [TestMethod]
    public void SdkReadme_DocumentsEveryCode()
    {
        var readme = File.ReadAllText(RepositoryPaths.SdkReadme);

        foreach (var code in AllCodes)
        {
            StringAssert.Contains(readme, $"| `{code}` |", $"{code} is missing from the README's table of codes");
        }
    }

    [TestMethod]
    public void SdkReadme_CodeTable_HasExactlyTheCatalogueSettingCodes_EachNamingItsProperty()
    {
        var rows = TableRows(File.ReadAllText(RepositoryPaths.SdkReadme), "## Diagnostic codes")
            .Where(r => r[0].StartsWith("`NEON1", StringComparison.Ordinal))
            .ToDictionary(r => r[0].Trim('`'), r => r[2]);

        CollectionAssert.AreEquivalent(
            NeonSettingCatalog.All.Select(s => s.Code).Append(NeonSettingCatalog.OtherSettingCode).ToArray(),
            rows.Keys.ToArray(),
            "the README's NEON1xxx rows differ from the catalogue");
        foreach (var setting in NeonSettingCatalog.All)
        {
            StringAssert.Contains(rows[setting.Code], $"`{setting.Property}`", $"the README's {setting.Code} row does not name {setting.Property}");
        }
    }

    [TestMethod]
    public void SdkReadme_SettingsTable_MatchesTheCatalogue()
    {
        var rows = TableRows(File.ReadAllText(RepositoryPaths.SdkReadme), "## Settings")
            .Where(r => r[0].StartsWith("`Neon", StringComparison.Ordinal))
            .ToList();
        var properties = NeonSettingCatalog.All.Select(s => s.Property).ToList();

        CollectionAssert.AreEqual(properties, rows.Take(properties.Count).Select(r => r[0].Trim('`')).ToList(), "the SDK README's settings rows differ from the catalogue (order included)");
        foreach (var (setting, row) in NeonSettingCatalog.All.Zip(rows))
        {
            Assert.AreEqual(setting.EnvironmentVariable is null ? "" : $"`{setting.EnvironmentVariable}`", row[1], setting.Property);
            Assert.AreEqual(setting.DocumentedDefault, row[2], $"{setting.Property}'s default");
        }
    }

    [TestMethod]
    public void RootReadme_SettingsTable_MatchesTheCatalogue()
    {
        var rows = TableRows(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md")), "## Settings")
            .Where(r => r[0].StartsWith("`Neon", StringComparison.Ordinal))
            .ToList();

        CollectionAssert.AreEqual(NeonSettingCatalog.All.Select(s => s.Property).ToList(), rows.Select(r => r[0].Trim('`')).ToList(), "the README's settings rows differ from the catalogue (order included)");
        foreach (var (setting, row) in NeonSettingCatalog.All.Zip(rows))
        {
            Assert.AreEqual(setting.EnvironmentVariable is null ? "" : $"`{setting.EnvironmentVariable}`", row[1], $"{setting.Property}'s variable");
            Assert.AreEqual(setting.Option is null ? "" : $"`--{setting.Option}`", row[2], $"{setting.Property}'s option");
            Assert.AreEqual(setting.DocumentedDefault, row[3], $"{setting.Property}'s default");
        }
    }

    [TestMethod]
    public void SdkTargets_HandEverySetting_ToTheTasks()
    {
        var collect = XDocument.Load(RepositoryPaths.SdkTargets).Root!.Elements()
            .Single(e => e.Name.LocalName == "Target" && (string?)e.Attribute("Name") == "_NeonCollectSettings");
        var items = collect.Descendants().Where(e => e.Name.LocalName == "_NeonSetting" && e.Attribute("Include") is not null).ToList();

        // The key travels separately, to the one task that starts a session, never to the settings file's writer.
        var expected = NeonSettingCatalog.All.Where(s => s != NeonSettingCatalog.ApiKey).Select(s => s.Property).ToArray();
        CollectionAssert.AreEquivalent(expected, items.Select(e => (string)e.Attribute("Include")!).ToArray(), "_NeonCollectSettings differs from the catalogue");
        foreach (var item in items)
        {
            Assert.AreEqual($"$({item.Attribute("Include")!.Value})", (string?)item.Attribute("Value"), item.Attribute("Include")!.Value);
        }

        var targets = File.ReadAllText(RepositoryPaths.SdkTargets);
        StringAssert.Contains(targets, "<_NeonSessionSetting Include=\"NeonApiKey\" Value=\"$(NeonApiKey)\"");
        Assert.IsFalse(File.ReadAllText(RepositoryPaths.SdkProps).Contains("NEON_API_KEY)", StringComparison.Ordinal), "MSBuild must never read NEON_API_KEY into a property");
    }

    /// <summary>The cells of each row of the first Markdown table after <paramref name="heading"/>.</summary>
    private static IEnumerable<string[]> TableRows(string markdown, string heading)
    {
        var start = markdown.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, $"no '{heading}' section");
        var lines = markdown[(start + heading.Length + 2)..].Split('\n');
        var table = lines.SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).Skip(2);
        return table.Select(l => l.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray()).ToList();
    }
}
