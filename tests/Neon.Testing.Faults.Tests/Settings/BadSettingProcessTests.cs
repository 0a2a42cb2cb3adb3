using System.Text.RegularExpressions;

namespace Neon.Testing.Faults.Tests.Settings;

/// <summary>
/// Issue 13 item 8 through real processes: the MSTest sample app (the real test host, the Neon.Testing extension) given
/// bad <c>--neon-*</c> options and <c>NEON_*</c> variables. Each must stop before any test with exactly one
/// <c>NEON1xxx</c> line naming the setting and its source, exit non-zero, and create nothing: no cluster folder, no
/// summary, no secret in the output.
/// </summary>
[TestClass]
public sealed partial class BadSettingProcessTests
{
    private const string Secret = "hunter2-process-slice";

    /// <summary>(case, options, variables, the property the error must name, how it must name the source).</summary>
    private static readonly (string Case, string[] Arguments, Dictionary<string, string?> Variables, string Property, string Source)[] Cases =
    [
        ("option/unknown level", ["--neon-isolation", "Sometimes"], [], "NeonIsolation", "--neon-isolation"),
        ("option/flag-combined level", ["--neon-isolation", "Isolated,Shared"], [], "NeonIsolation", "--neon-isolation"),
        ("option/negative expiry", ["--neon-branch-expiry=-5"], [], "NeonBranchExpiry", "--neon-branch-expiry"),
        ("option/huge expiry", ["--neon-branch-expiry", "1e300"], [], "NeonBranchExpiry", "--neon-branch-expiry"),
        ("option/expiry beyond Neon's 30 days", ["--neon-branch-expiry", "31d"], [], "NeonBranchExpiry", "--neon-branch-expiry"),
        ("option/count too big", ["--neon-keep-failed-branches", "101"], [], "NeonKeepFailedBranches", "--neon-keep-failed-branches"),
        ("option/not a boolean", ["--neon-keep-branches", "maybe"], [], "NeonKeepBranches", "--neon-keep-branches"),
        ("option/unwritable data folder", ["--neon-local-data-dir", "/proc/neon-faults-cluster"], [], "NeonLocalDataDirectory", "--neon-local-data-dir"),
        ("option/missing migrations", ["--neon-migrations", "/nonexistent-neon-faults/sql"], [], "NeonMigrations", "--neon-migrations"),
        ("option/not an http address", ["--neon-api-url", "ftp://example.com/"], [], "NeonApiUrl", "--neon-api-url"),
        ("variable/unknown provider", [], new() { ["NEON_PROVIDER"] = "Cloud" }, "NeonProvider", "NEON_PROVIDER"),
        ("variable/huge cache expiry", [], new() { ["NEON_MIGRATION_CACHE_EXPIRY"] = "99999999999d" }, "NeonMigrationCacheExpiry", "NEON_MIGRATION_CACHE_EXPIRY"),
        ("variable/bad variable name", [], new() { ["NEON_ENV_VAR"] = "1st" }, "NeonEnvVar", "NEON_ENV_VAR"),
        ("variable/64-byte database", [], new() { ["NEON_DATABASE"] = new string('é', 32) }, "NeonDatabase", "NEON_DATABASE"),
        ("variable/bad project id", [], new() { ["NEON_PROJECT_ID"] = "my project" }, "NeonProjectId", "NEON_PROJECT_ID"),
        ("variable/broken connection string", [], new() { ["NEON_LOCAL_CONNECTION_STRING"] = $"Host=x;Port=not-a-port;Password={Secret}" }, "NeonLocalConnectionString", "NEON_LOCAL_CONNECTION_STRING"),
        ("variable/api key with a line break", [], new() { ["NEON_PROVIDER"] = "Neon", ["NEON_PROJECT_ID"] = "young-sun-12345678", ["NEON_API_KEY"] = Secret + "\nX-Injected: 1" }, "NeonApiKey", "NEON_API_KEY"),
        ("conflict/Neon without a key", [], new() { ["NEON_PROVIDER"] = "Neon", ["NEON_PROJECT_ID"] = "young-sun-12345678" }, "NeonApiKey", "NEON_PROVIDER"),
        ("conflict/command beside the file's migrations", [], new() { ["NEON_MIGRATION_COMMAND"] = "echo migrate" }, "NeonMigrationCommand", "NEON_MIGRATION_COMMAND"),
        ("conflict/inputs without a command", ["--neon-migration-inputs", "*.cs"], [], "NeonMigrationInputs", "--neon-migration-inputs"),
    ];

    /// <summary>In CI: one option, one variable, a secret-bearing value and a conflict (a process costs about two seconds).</summary>
    private static readonly string[] Quick = ["option/unknown level", "option/huge expiry", "variable/unknown provider", "variable/broken connection string", "conflict/Neon without a key"];

    [TestMethod]
    [TestCategory("CI")]
    public Task BadOptionsAndVariables_StopTheTestApp_WithOneClearError_CiSubset() =>
        RunCasesAsync("sample app processes (CI subset)", [.. Cases.Where(c => Quick.Contains(c.Case))]);

    [TestMethod]
    public Task BadOptionsAndVariables_StopTheTestApp_WithOneClearError_AndCreateNothing() =>
        RunCasesAsync("sample app processes", Cases);

    private static async Task RunCasesAsync(string caseName, (string Case, string[] Arguments, Dictionary<string, string?> Variables, string Property, string Source)[] cases)
    {
        var unclear = new List<string>();
        var seconds = new List<double>();
        foreach (var (name, arguments, variables, property, source) in cases)
        {
            var sandbox = Directory.CreateTempSubdirectory("neon-faults-process-").FullName;
            try
            {
                var cluster = Path.Combine(sandbox, "cluster-never-created");
                var results = Path.Combine(sandbox, "results");
                var environment = new Dictionary<string, string?>(variables) { ["NEON_LOCAL_DATA_DIR"] = cluster };
                var started = DateTime.UtcNow;
                var run = await SampleApp.RunAsync(arguments, environment, results, TimeSpan.FromMinutes(1));
                seconds.Add((DateTime.UtcNow - started).TotalSeconds);

                var problems = new List<string>();
                var errors = ErrorLine().Matches(run.Output).Select(m => m.Value).ToList();
                if (run.ExitCode == 0)
                {
                    problems.Add("exit code 0");
                }

                if (errors.Count != 1)
                {
                    problems.Add($"{errors.Count} NEON1xxx lines");
                }
                else if (!errors[0].Contains(property, StringComparison.Ordinal) || !errors[0].Contains(source, StringComparison.Ordinal))
                {
                    problems.Add($"the error does not name {property} and {source}");
                }

                if (run.Output.Contains(Secret, StringComparison.Ordinal))
                {
                    problems.Add("the secret is in the output");
                }

                if (Directory.Exists(cluster) || Directory.EnumerateFiles(sandbox, "neon-testing-summary.*", SearchOption.AllDirectories).Any())
                {
                    problems.Add("created a cluster folder or a summary");
                }

                if (problems.Count > 0)
                {
                    unclear.Add($"{name}: {string.Join("; ", problems)} (exit {run.ExitCode}){Environment.NewLine}{run.Output}");
                }
            }
            finally
            {
                Directory.Delete(sandbox, recursive: true);
            }
        }

        FaultLog.Record("bad-settings", caseName, unclear.Count == 0, new Dictionary<string, object?>
        {
            ["casesTried"] = cases.Length,
            ["casesWithClearError"] = cases.Length - unclear.Count,
            ["secondsPerCaseMax"] = Math.Round(seconds.Max(), 1),
        }, unclear.Count == 0 ? null : string.Join("\n", unclear));
        Assert.IsEmpty(unclear, string.Join(Environment.NewLine, unclear));
    }

    [GeneratedRegex(@"^.*NEON1\d{3}.*$", RegexOptions.Multiline)]
    private static partial Regex ErrorLine();
}
