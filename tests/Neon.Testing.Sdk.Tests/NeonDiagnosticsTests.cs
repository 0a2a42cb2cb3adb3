using System.Reflection;
using Neon.Testing.Engine;
using Neon.Testing.Tasks;

namespace Neon.Testing.Sdk.Tests;

/// <summary>Every setting has its own NEON code, the README documents every code and property, and the targets pass every setting.</summary>
[TestClass]
public sealed class NeonDiagnosticsTests
{
    private static readonly string[] SettingNames = typeof(NeonSettings)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    private static string[] AllCodes => [.. NeonDiagnostics.SettingCodes.Values,
        NeonDiagnostics.OtherSetting, NeonDiagnostics.PasswordNotWritten, NeonDiagnostics.RuntimePackageMissing,
        NeonDiagnostics.UnsupportedMSBuild, NeonDiagnostics.SessionStartFailed, NeonDiagnostics.MigrationFailed, NeonDiagnostics.SessionStopFailed];

    [TestMethod]
    public void EverySetting_HasACodeOfItsOwn()
    {
        foreach (var name in SettingNames)
        {
            Assert.AreNotEqual(NeonDiagnostics.OtherSetting, NeonDiagnostics.ForSetting(name), name);
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
    public void SdkReadme_DocumentsEveryPropertyWithItsVariable()
    {
        var readme = File.ReadAllText(RepositoryPaths.SdkReadme);

        foreach (var (property, variable) in NeonSettings.EnvironmentVariables)
        {
            StringAssert.Contains(readme, $"| `{property}` | `{variable}` |", $"{property} is missing from the README's settings table");
        }

        StringAssert.Contains(readme, "| `NeonWorkingDirectory` |");
    }

    [TestMethod]
    public void SdkTargets_HandEverySetting_ToTheTasks()
    {
        var targets = File.ReadAllText(RepositoryPaths.SdkTargets);

        foreach (var name in SettingNames.Where(n => n != NeonSettings.ApiKey))
        {
            StringAssert.Contains(targets, $"<_NeonSetting Include=\"{name}\" Value=\"$({name})\" />");
        }

        // The key reaches only the task that starts a session, never the settings file's writer.
        StringAssert.Contains(targets, "<_NeonSessionSetting Include=\"NeonApiKey\" Value=\"$(NeonApiKey)\"");
        Assert.IsFalse(File.ReadAllText(RepositoryPaths.SdkProps).Contains("NEON_API_KEY)", StringComparison.Ordinal), "MSBuild must never read NEON_API_KEY into a property");
    }
}
