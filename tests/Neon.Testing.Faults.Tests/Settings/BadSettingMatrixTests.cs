using System.Text.Json;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Configuration;

namespace Neon.Testing.Faults.Tests.Settings;

/// <summary>
/// Issue 13 item 8, in process: every case of <see cref="BadSettingMatrix"/> through the real parsing
/// (<see cref="NeonTestingOptions.Parse(IEnumerable{SettingLayer})"/> with the layers the hosts build: MSBuild
/// properties, a real <c>neon-testing.json</c>, the environment through <see cref="SettingLayer.Environment"/>, and
/// the options as the MTP extension reads them), each in a folder of its own that must be left as it was.
/// </summary>
[TestClass]
[TestCategory("CI")]
public sealed class BadSettingMatrixTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void EverySettingThatIsNotFreeText_HasBadValuesInTheMatrix() =>
        Assert.IsEmpty(BadSettingMatrix.KindsAreKnown().Select(s => s.Property).ToList());

    [TestMethod]
    public void EveryBadValue_FromEverySource_GivesOneClearError_AndCreatesNothing()
    {
        var cases = BadSettingMatrix.Cases();
        var unclear = new List<string>();
        var byCategory = new SortedDictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var @case in cases)
        {
            var verdict = Run(@case);
            var counts = byCategory.TryGetValue(@case.Category, out var c) ? c : byCategory[@case.Category] = new int[2];
            counts[0]++;
            if (verdict is null)
            {
                counts[1]++;
            }
            else
            {
                unclear.Add($"{@case.Name}: {verdict}");
            }
        }

        var errorCases = cases.Count(c => c.Blamed is not null);
        var clearErrors = errorCases - unclear.Count(u => !u.StartsWith("empty", StringComparison.Ordinal) && !u.StartsWith("whitespace", StringComparison.Ordinal));
        var figures = new Dictionary<string, object?>
        {
            ["casesTried"] = cases.Count,
            ["casesAsExpected"] = cases.Count - unclear.Count,
            ["badValueCases"] = errorCases,
            ["badValueCasesWithClearError"] = clearErrors,
            ["settings"] = NeonSettingCatalog.All.Count,
            ["byCategory"] = byCategory.ToDictionary(p => p.Key, p => (object)new { tried = p.Value[0], asExpected = p.Value[1] }),
        };
        FaultLog.Record("bad-settings", "matrix in process", unclear.Count == 0, figures, unclear.Count == 0 ? null : string.Join("\n", unclear.Take(40)));
        TestContext.WriteLine(JsonSerializer.Serialize(figures));
        Assert.IsEmpty(unclear, string.Join(Environment.NewLine, unclear));
    }

    private static string? Run(SettingCase @case)
    {
        var sandbox = Directory.CreateTempSubdirectory("neon-faults-setting-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(sandbox, "a-file"), "not a folder");
            Directory.CreateDirectory(Path.Combine(sandbox, BadSettingMatrix.SqlFolder));
            File.WriteAllText(Path.Combine(sandbox, BadSettingMatrix.SqlFolder, "001_init.sql"), "CREATE TABLE t (id int);");

            var settingsFile = Path.Combine(sandbox, "bin", "neon-testing.json");
            var bySource = @case.Values.GroupBy(v => v.Source).ToDictionary(g => g.Key, g => g.ToDictionary(v => v.Setting.Property, v => (string?)v.Value.Replace("{sandbox}", sandbox, StringComparison.Ordinal), StringComparer.OrdinalIgnoreCase));
            if (bySource.TryGetValue(SettingSourceKind.ConfigurationFile, out var fileValues))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(settingsFile)!);
                File.WriteAllText(settingsFile, JsonSerializer.Serialize(fileValues));
            }

            var before = Listing(sandbox);
            var outside = @case.Values.Select(v => v.Value).Where(v => v.StartsWith('/')).Where(p => !Exists(p)).ToList();

            // The layers in the hosts' order: the project folder, MSBuild, the settings file, the environment, the command line.
            var layers = new List<SettingLayer> { SettingLayer.MSBuild(new Dictionary<string, string?> { [NeonSettings.WorkingDirectory] = sandbox }) };
            Dictionary<string, string?> Of(SettingSourceKind kind) => bySource.TryGetValue(kind, out var values) ? values : [];
            layers.Add(SettingLayer.MSBuild(Of(SettingSourceKind.MSBuildProperty)));
            layers.Add(new SettingLayer(SettingSource.File(settingsFile), ReadSettingsFile(settingsFile)));
            var variables = Of(SettingSourceKind.EnvironmentVariable).ToDictionary(p => NeonSettingCatalog.Find(p.Key)!.EnvironmentVariable!, p => p.Value, StringComparer.Ordinal);
            layers.Add(SettingLayer.Environment(name => variables.GetValueOrDefault(name)));
            layers.Add(SettingLayer.CommandLine(Of(SettingSourceKind.CommandLineOption)));

            Exception? error = null;
            NeonTestingOptions? options = null;
            try
            {
                options = NeonTestingOptions.Parse(layers);
            }
            catch (Exception e)
            {
                error = e;
            }

            var created = Listing(sandbox).Except(before).Concat(outside.Where(Exists)).ToList();
            return SettingVerdict.Judge(@case, error, options, v => v.Source switch
            {
                SettingSourceKind.MSBuildProperty => SettingSource.MSBuild,
                SettingSourceKind.ConfigurationFile => SettingSource.File(settingsFile),
                SettingSourceKind.EnvironmentVariable => SettingSource.Environment,
                _ => SettingSource.CommandLine,
            }, created);
        }
        finally
        {
            Directory.Delete(sandbox, recursive: true);
        }
    }

    /// <summary>As the hosts read <c>neon-testing.json</c>: a flat object of scalars, keyed by property name.</summary>
    private static Dictionary<string, string?> ReadSettingsFile(string path)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (File.Exists(path))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            foreach (var property in json.RootElement.EnumerateObject())
            {
                values[property.Name] = property.Value.GetString();
            }
        }

        return values;
    }

    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    private static HashSet<string> Listing(string folder) =>
        [.. Directory.EnumerateFileSystemEntries(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })];
}
