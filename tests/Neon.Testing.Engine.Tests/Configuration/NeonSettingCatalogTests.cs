using System.Reflection;
using Neon.Testing.Engine.Configuration;

namespace Neon.Testing.Engine.Tests.Configuration;

/// <summary>The catalogue is complete and consistent, and every bad value fails once, naming setting, source and code.</summary>
[TestClass]
public sealed class NeonSettingCatalogTests
{
    private const string Hunter = "hunter2-do-not-print";

    /// <summary>Settings that take any text: nothing to reject. A new setting must land here or in <see cref="BadValues"/>.</summary>
    private static readonly string[] FreeText =
        [NeonSettings.ProjectId, NeonSettings.ApiKey, NeonSettings.ParentBranch, NeonSettings.MigrationCommand, NeonSettings.WorkingDirectory];

    private static readonly Lazy<string> AFile = new(() =>
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "not a folder");
        return path;
    });

    private static Dictionary<string, string> BadValues => new()
    {
        [NeonSettings.Enabled] = "maybe",
        [NeonSettings.Provider] = "Cloud",
        [NeonSettings.Database] = new string('d', 64),
        [NeonSettings.Role] = new string('r', 64),
        [NeonSettings.KeepBranches] = "perhaps",
        [NeonSettings.KeepFailedBranches] = "101",
        [NeonSettings.BranchExpiry] = "soon",
        [NeonSettings.EnvVar] = "DATABASE-URL",
        [NeonSettings.ConnectionStringName] = "1st",
        [NeonSettings.Migrations] = "does/not/exist",
        [NeonSettings.MigrationInputs] = "does/not/exist/**/*.cs",
        [NeonSettings.DbContext] = "App DbContext;",
        [NeonSettings.MigrationCacheExpiry] = "later",
        [NeonSettings.Isolation] = "Sometimes",
        [NeonSettings.ConcurrentTests] = "Parallel",
        [NeonSettings.LocalConnectionString] = $"Host=x;Password={Hunter};Bogus Key=1",
        [NeonSettings.LocalDataDirectory] = Path.Combine(AFile.Value, "cluster"),
        [NeonSettings.ApiUrl] = "ftp://example",
    };

    public static IEnumerable<object[]> SettingsAndSources()
    {
        foreach (var setting in NeonSettingCatalog.All)
        {
            foreach (var kind in Enum.GetValues<SettingSourceKind>())
            {
                yield return [setting.Property, kind];
            }
        }
    }

    [TestMethod]
    public void EverySetting_IsEitherFreeText_OrHasABadValueHere() =>
        CollectionAssert.AreEquivalent(NeonSettingCatalog.All.Select(s => s.Property).ToArray(), FreeText.Concat(BadValues.Keys).ToArray());

    [TestMethod]
    [DynamicData(nameof(SettingsAndSources))]
    public void BadValue_FailsOnce_NamingSettingSourceAndCode(string property, SettingSourceKind kind)
    {
        var setting = NeonSettingCatalog.Find(property)!;
        if (!BadValues.TryGetValue(property, out var value) || LayerFor(setting, kind, value) is not { } layer)
        {
            return;
        }

        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => NeonTestingOptions.Parse(layer));

        Assert.AreEqual(setting.Property, error.Setting);
        Assert.AreEqual(setting.Code, error.Code);
        StringAssert.Contains(error.Message, setting.Property);
        StringAssert.Contains(error.Message, kind switch
        {
            SettingSourceKind.MSBuildProperty => "MSBuild property " + setting.Property,
            SettingSourceKind.ConfigurationFile => "/work/app/neon-testing.json",
            SettingSourceKind.EnvironmentVariable => "environment variable " + setting.EnvironmentVariable,
            SettingSourceKind.CommandLineOption => "--" + setting.Option,
            _ => setting.Property,
        });
        if (setting.IsSecret)
        {
            Assert.DoesNotContain(value, error.Message);
            Assert.DoesNotContain(Hunter, error.Message);
        }
        else
        {
            StringAssert.Contains(error.Message, $"'{value}'");
        }
    }

    [TestMethod]
    public void Catalogue_NamesAreUnique_AndMatchTheConstants()
    {
        var constants = typeof(NeonSettings).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToArray();
        var all = NeonSettingCatalog.All;

        CollectionAssert.AreEquivalent(constants, all.Select(s => s.Property).ToArray());
        CollectionAssert.AllItemsAreUnique(all.Select(s => s.Code).ToArray());
        CollectionAssert.AllItemsAreUnique(all.Where(s => s.EnvironmentVariable is not null).Select(s => s.EnvironmentVariable).ToArray());
        CollectionAssert.AllItemsAreUnique(all.Where(s => s.Option is not null).Select(s => s.Option).ToArray());
        foreach (var setting in all)
        {
            StringAssert.StartsWith(setting.Property, "Neon");
            StringAssert.Matches(setting.Code, new System.Text.RegularExpressions.Regex("^NEON1[0-9]{3}$"));
            Assert.IsFalse(string.IsNullOrWhiteSpace(setting.Description), setting.Property);
            Assert.IsTrue(setting.Option is null || setting.Option.StartsWith("neon-", StringComparison.Ordinal), setting.Property);
            Assert.IsTrue(setting.EnvironmentVariable is null || setting.EnvironmentVariable.StartsWith("NEON_", StringComparison.Ordinal), setting.Property);
            Assert.IsFalse(setting.IsSecret && setting.Option is not null, $"{setting.Property} is secret: it must stay off command lines");
            Assert.AreSame(setting, NeonSettingCatalog.Find(setting.Property.ToUpperInvariant()));
        }
    }

    [TestMethod]
    public void DocumentedDefaults_ParseToTheDefaults()
    {
        var defaults = new NeonTestingOptions();
        var checkedCount = 0;
        foreach (var setting in NeonSettingCatalog.All)
        {
            var text = setting.DocumentedDefault;
            if (text.Length > 2 && text[0] == '`' && text[^1] == '`' && text.Count(c => c == '`') == 2)
            {
                var parsed = NeonTestingOptions.Parse(new Dictionary<string, string?> { [setting.Property] = text[1..^1] });
                Assert.AreEqual(defaults, parsed, $"{setting.Property}'s documented default {text} is not its default");
                checkedCount++;
            }
        }

        Assert.IsGreaterThanOrEqualTo(10, checkedCount);
    }

    [TestMethod]
    public void EmptyEnvironmentVariable_ClearsTheSetting()
    {
        var folder = Directory.CreateTempSubdirectory().FullName;
        var properties = new Dictionary<string, string?> { [NeonSettings.Migrations] = folder, [NeonSettings.KeepBranches] = "true", [NeonSettings.Isolation] = "Shared" };
        var environment = new Dictionary<string, string> { ["NEON_MIGRATIONS"] = "", ["NEON_MIGRATION_COMMAND"] = "dotnet ef database update", ["NEON_KEEP_BRANCHES"] = "  " };

        var options = NeonTestingOptions.Parse(SettingLayer.MSBuild(properties), SettingLayer.Environment(environment.GetValueOrDefault));

        Assert.IsNull(options.Migrations);
        Assert.AreEqual("dotnet ef database update", options.MigrationCommand);
        Assert.IsFalse(options.KeepBranches);
        Assert.AreEqual(TestIsolation.Shared, options.Isolation, "an unset variable must leave the property alone");
    }

    [TestMethod]
    public void BothMigrations_NameWhereEachCameFrom()
    {
        var folder = Directory.CreateTempSubdirectory().FullName;
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => NeonTestingOptions.Parse(
            SettingLayer.MSBuild(new Dictionary<string, string?> { [NeonSettings.Migrations] = folder }),
            SettingLayer.Environment(name => name == "NEON_MIGRATION_COMMAND" ? "migrate" : null)));

        Assert.AreEqual("NEON1013", error.Code);
        StringAssert.Contains(error.Message, "the MSBuild property NeonMigrations");
        StringAssert.Contains(error.Message, "the environment variable NEON_MIGRATION_COMMAND");
        StringAssert.Contains(error.Message, "NEON_MIGRATIONS=");
    }

    [TestMethod]
    public void LocalDataDirectory_UnderAFile_FailsAtParse_NamingTheVariable()
    {
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => NeonTestingOptions.Parse(
            SettingLayer.Environment(name => name == "NEON_LOCAL_DATA_DIR" ? Path.Combine(AFile.Value, "pg") : null)));

        Assert.AreEqual("NEON1017", error.Code);
        StringAssert.Contains(error.Message, "NEON_LOCAL_DATA_DIR");
        StringAssert.Contains(error.Message, AFile.Value);
    }

    [TestMethod]
    public void LocalDataDirectory_ThatIsAFile_Fails()
    {
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => NeonTestingOptions.Parse(
            new Dictionary<string, string?> { [NeonSettings.LocalDataDirectory] = AFile.Value }));

        Assert.AreEqual(NeonSettings.LocalDataDirectory, error.Setting);
        StringAssert.Contains(error.Message, "not a folder");
    }

    [TestMethod]
    public void LocalDataDirectory_ThatCanBeCreated_IsAccepted_AndNotCreatedYet()
    {
        var missing = Path.Combine(Directory.CreateTempSubdirectory().FullName, "a", "b");

        var options = NeonTestingOptions.Parse(new Dictionary<string, string?> { [NeonSettings.LocalDataDirectory] = missing });

        Assert.AreEqual(missing, options.LocalDataDirectory);
        Assert.IsFalse(Directory.Exists(missing));
        Assert.AreEqual(0, Directory.GetFileSystemEntries(Path.GetDirectoryName(Path.GetDirectoryName(missing))!).Length, "the probe must leave nothing behind");
    }

    [TestMethod]
    public void BadIsolation_FromTheEnvironment_SaysItCameFromTheEnvironment()
    {
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => NeonTestingOptions.Parse(
            SettingLayer.MSBuild(new Dictionary<string, string?> { [NeonSettings.Isolation] = "Shared" }),
            SettingLayer.Environment(name => name == "NEON_ISOLATION" ? "bogus" : null)));

        Assert.AreEqual("NEON1015", error.Code);
        StringAssert.Contains(error.Message, "NeonIsolation is 'bogus'");
        StringAssert.Contains(error.Message, "It comes from the environment variable NEON_ISOLATION");
        StringAssert.Contains(error.Message, "Isolated, ReadOnly, Shared, PerClass, Transaction");
    }

    [TestMethod]
    public void LocalDataDirectory_ThatExistsButCannotBeWritten_FailsWithItsCode()
    {
        // Read-only for root too, where permissions would not stop it.
        const string ReadOnlyFolder = "/proc";
        if (!Directory.Exists(ReadOnlyFolder))
        {
            Assert.Inconclusive("no /proc here");
        }

        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => NeonTestingOptions.Parse(
            SettingLayer.Environment(name => name == "NEON_LOCAL_DATA_DIR" ? ReadOnlyFolder : null)));

        Assert.AreEqual("NEON1017", error.Code);
        StringAssert.Contains(error.Message, "cannot write to");
        StringAssert.Contains(error.Message, "NEON_LOCAL_DATA_DIR");
    }

    [TestMethod]
    public void EmptyMigrationsVariable_WithACommandVariable_IsNotBothSet()
    {
        var folder = Directory.CreateTempSubdirectory().FullName;
        var file = new Dictionary<string, string?> { [NeonSettings.Migrations] = folder };

        var options = NeonTestingOptions.Parse(
            new SettingLayer(SettingSource.File("/work/app/neon-testing.json"), file),
            SettingLayer.Environment(name => name switch { "NEON_MIGRATIONS" => "", "NEON_MIGRATION_COMMAND" => "./migrate.sh", _ => null }));

        Assert.IsNull(options.Migrations);
        Assert.AreEqual("./migrate.sh", options.MigrationCommand);
    }

    private static SettingLayer? LayerFor(NeonSetting setting, SettingSourceKind kind, string value)
    {
        var values = new Dictionary<string, string?> { [setting.Property] = value };
        return kind switch
        {
            SettingSourceKind.MSBuildProperty => SettingLayer.MSBuild(values),
            SettingSourceKind.ConfigurationFile => new SettingLayer(SettingSource.File("/work/app/neon-testing.json"), values),
            SettingSourceKind.EnvironmentVariable when setting.EnvironmentVariable is { } variable => SettingLayer.Environment(name => name == variable ? value : null),
            SettingSourceKind.CommandLineOption when setting.Option is not null => SettingLayer.CommandLine(values),
            SettingSourceKind.Settings => new SettingLayer(SettingSource.Settings, values),
            _ => null,
        };
    }
}
