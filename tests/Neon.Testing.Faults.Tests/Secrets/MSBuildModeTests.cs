using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Neon.Testing.Engine;
using Npgsql;

namespace Neon.Testing.Faults.Tests.Secrets;

/// <summary>
/// The packed SDK in a fresh VSTest project (xUnit v2, where MSBuild's tasks own the session): bad <c>Neon*</c> MSBuild
/// properties each fail the build with one NEON1xxx error and create nothing (issue 13 item 8, the MSBuild source), and
/// a run at diagnostic verbosity with a binary log, holding a known API key and a password in
/// NEON_LOCAL_CONNECTION_STRING, shows neither in its output, the binary log, neon-testing.json or TestResults (item 9).
/// Packs the SDK into artifacts/packages when it is not there (minutes); restores into a package cache of its own.
/// </summary>
[TestClass]
public sealed partial class MSBuildModeTests
{
    private static readonly (string Property, string Value)[] BadProperties =
    [
        ("NeonIsolation", "Sometimes"),
        ("NeonBranchExpiry", "1e300"),
        ("NeonKeepFailedBranches", "-1"),
        ("NeonProjectId", "my project"),
        ("NeonEnvVar", "1st"),
        ("NeonMigrationInputs", "sql/*.sql"),
        ("NeonLocalDataDirectory", "/proc/neon-faults-cluster"),
    ];

    public TestContext TestContext { get; set; } = null!;

    private static string RepositoryRoot =>
        Path.GetFullPath(Path.Combine(typeof(MSBuildModeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SamplesRoot").Value!, "..", ".."));

    [TestMethod]
    public async Task PackedSdk_BadProperties_FailTheBuildOnce_AndDiagnosticRunsLeakNoSecret()
    {
        var root = RepositoryRoot;
        var packages = Path.Combine(root, "artifacts", "packages");
        if (!Directory.Exists(packages) || !Directory.EnumerateFiles(packages, "Neon.Testing.Sdk.*.nupkg").Any())
        {
            var pack = await RunAsync("bash", ["eng/pack.sh"], root, new Dictionary<string, string?>(), TimeSpan.FromMinutes(15));
            Assert.AreEqual(0, pack.ExitCode, pack.Output);
        }

        var version = VersionPrefix().Match(File.ReadAllText(Path.Combine(root, "Directory.Build.props"))).Groups[1].Value;
        var folder = Directory.CreateTempSubdirectory("neon-faults-msbuild-").FullName;
        var apiKey = "napi_faults_msbuild_" + Guid.NewGuid().ToString("N");
        var password = new NpgsqlConnectionStringBuilder(TestPostgres.Server.AdminConnectionString).Password!;
        var gitBranch = "faults" + Guid.NewGuid().ToString("N")[..8];
        var environment = new Dictionary<string, string?>
        {
            ["NUGET_PACKAGES"] = Path.Combine(folder, "nuget"),
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["NEON_LOCAL_DATA_DIR"] = TestPostgres.RootDirectory,
            ["NEON_KEEP_FAILED_BRANCHES"] = "0",
        };
        var project = Path.Combine(folder, "project");
        try
        {
            Write(project, version, packages);
            Assert.AreEqual(0, (await RunAsync("git", ["init", "-q", "-b", gitBranch], project, environment, TimeSpan.FromSeconds(30))).ExitCode);
            var restore = await RunAsync("dotnet", ["restore", "-nologo"], project, environment, TimeSpan.FromMinutes(8));
            Assert.AreEqual(0, restore.ExitCode, restore.Output);

            // Item 8, the MSBuild source: one error naming the property, a failed build, no database.
            var unclear = new List<string>();
            foreach (var (property, value) in BadProperties)
            {
                // Without the variables that would win over the property (NEON_LOCAL_DATA_DIR, NEON_KEEP_FAILED_BRANCHES).
                var buildEnvironment = environment.Where(p => NeonSettingCatalogVariable(property) != p.Key).ToDictionary(p => p.Key, p => p.Value);
                var build = await RunAsync("dotnet", ["build", "--no-restore", "-nologo", "-tl:off", $"-p:{property}={value}"], project, buildEnvironment, TimeSpan.FromMinutes(4));
                var errors = ErrorCode().Matches(build.Output).Select(m => m.Value).Distinct().ToList();
                var summary = ErrorCount().Match(build.Output);
                if (build.ExitCode == 0 || errors.Count != 1 || summary.Groups[1].Value != "1"
                    || !build.Output.Contains($"MSBuild property {property}", StringComparison.Ordinal) || Directory.Exists("/proc/neon-faults-cluster"))
                {
                    unclear.Add($"-p:{property}={value}: exit {build.ExitCode}, codes {string.Join(",", errors)}, summary '{summary.Value}'{Environment.NewLine}{Tail(build.Output)}");
                }
            }

            var leftover = await DatabasesNamedAsync($"{BranchNames.Prefix}{gitBranch}");
            FaultLog.Record("bad-settings", "msbuild properties of the packed sdk", unclear.Count == 0 && leftover == 0, new Dictionary<string, object?>
            {
                ["casesTried"] = BadProperties.Length,
                ["casesWithClearError"] = BadProperties.Length - unclear.Count,
                ["databasesCreated"] = leftover,
            }, unclear.Count == 0 ? null : string.Join("\n", unclear));

            // Item 9: diagnostic verbosity, a binary log, the settings file, TRX and the results folder.
            var scanner = new SecretScanner();
            scanner.Add("API key", apiKey);
            scanner.Add("superuser password", password);
            var secretEnvironment = new Dictionary<string, string?>(environment)
            {
                ["NEON_API_KEY"] = apiKey,
                ["NEON_LOCAL_CONNECTION_STRING"] = TestPostgres.Server.AdminConnectionString,
            };
            var run = await RunAsync(
                "dotnet",
                ["test", "--no-restore", "-nologo", "-tl:off", "-v:diag", $"-bl:{Path.Combine(folder, "test.binlog")}", "-p:NeonProvider=Local", "--logger", "trx", "--results-directory", Path.Combine(folder, "results")],
                project, secretEnvironment, TimeSpan.FromMinutes(6));
            scanner.ScanText("dotnet test -v:diag output", run.Output);
            // Through the variable, as documented: MSBuild itself echoes -p: values (and project properties) at -v:diag.
            var failedRun = await RunAsync(
                "dotnet", ["build", "--no-restore", "-nologo", "-tl:off", "-v:diag"], project,
                new Dictionary<string, string?>(secretEnvironment) { ["NEON_LOCAL_CONNECTION_STRING"] = "Host=x;Password=" + password + ";Bogus Key=1" }, TimeSpan.FromMinutes(4));
            scanner.ScanText("build with a bad connection-string property, -v:diag", failedRun.Output);
            scanner.ScanFolder(Path.Combine(folder, "results"));
            scanner.ScanFolder(Path.Combine(project, "bin"));
            scanner.ScanFolder(Path.Combine(project, "TestResults"));
            Assert.IsTrue(File.Exists(Path.Combine(folder, "test.binlog")), "no binary log was written");
            scanner.ScanFile(Path.Combine(folder, "test.binlog"));

            var ran = run.Output.Contains("Passed!", StringComparison.Ordinal) || run.Output.Contains("Total tests: 1", StringComparison.Ordinal);
            FaultLog.Record("secrets", "msbuild diagnostic verbosity, binary log, trx, settings file", scanner.Hits.Count == 0 && ran, new Dictionary<string, object?>
            {
                ["hits"] = scanner.Hits.Count,
                ["filesScanned"] = scanner.FilesScanned,
                ["bytesScanned"] = scanner.BytesScanned,
                ["testRunExitCode"] = run.ExitCode,
            }, string.Join("\n", scanner.Hits));

            Assert.IsEmpty(unclear, string.Join(Environment.NewLine, unclear));
            Assert.AreEqual(0, leftover, "a bad property created databases");
            Assert.IsTrue(ran, "the diagnostic run ran no test:" + Environment.NewLine + Tail(run.Output));
            Assert.IsEmpty(scanner.Hits, string.Join(Environment.NewLine, scanner.Hits));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Write(string project, string version, string packages)
    {
        Directory.CreateDirectory(Path.Combine(project, "sql"));
        File.WriteAllText(Path.Combine(project, "Faults.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Sdk Name="Neon.Testing.Sdk" Version="{version}" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <NeonMigrations>sql</NeonMigrations>
                <NeonMigrationCacheExpiry>0</NeonMigrationCacheExpiry>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.0.1" />
                <PackageReference Include="xunit" Version="2.9.3" />
                <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "sql", "001_items.sql"), "CREATE TABLE items (id serial PRIMARY KEY, name text);");
        File.WriteAllText(Path.Combine(project, "ItemTests.cs"), """
            public class ItemTests
            {
                [Xunit.Fact]
                public void HasADatabase() => Xunit.Assert.False(string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("DATABASE_URL")));
            }
            """);
        File.WriteAllText(Path.Combine(project, "global.json"), """{ "sdk": { "version": "10.0.401", "rollForward": "latestFeature" } }""");
        File.WriteAllText(Path.Combine(project, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="neon" value="{packages}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="neon"><package pattern="Neon.Testing" /><package pattern="Neon.Testing.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
    }

    private static async Task<int> DatabasesNamedAsync(string prefix)
    {
        await using var connection = new NpgsqlConnection(TestPostgres.Server.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE starts_with(datname, $1)", connection);
        command.Parameters.AddWithValue(prefix);
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }

    private static string? NeonSettingCatalogVariable(string property) => Engine.Configuration.NeonSettingCatalog.Find(property)?.EnvironmentVariable;

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] arguments, string directory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var variable in startInfo.Environment.Keys.Where(k => k.StartsWith("NEON_", StringComparison.Ordinal) || k.StartsWith("GITHUB_", StringComparison.Ordinal) || k == "DATABASE_URL").ToList())
        {
            startInfo.Environment.Remove(variable);
        }

        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new AssertFailedException($"{file} {string.Join(' ', arguments)} did not finish within {timeout}.");
        }

        process.WaitForExit();
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    [GeneratedRegex(@"<VersionPrefix>([^<]+)</VersionPrefix>")]
    private static partial Regex VersionPrefix();

    [GeneratedRegex(@"error NEON1\d{3}")]
    private static partial Regex ErrorCode();

    [GeneratedRegex(@"(\d+) Error\(s\)")]
    private static partial Regex ErrorCount();
}
