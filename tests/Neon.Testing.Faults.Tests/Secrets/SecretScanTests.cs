using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Neon.Api.Emulator;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Configuration;
using Neon.Testing.Faults.Tests.Settings;
using Npgsql;

namespace Neon.Testing.Faults.Tests.Secrets;

/// <summary>
/// Issue 13 item 9: with a known API key (the Neon API emulator's, and a wrong one) and known passwords (the emulator's
/// role password, the cluster superuser's in NeonLocalConnectionString), the MSTest sample app runs in every mode it
/// has: the Neon provider with MTP's Trace-level --diagnostic log, the Local provider on a connection string with a
/// password, a refused key, a run killed with SIGKILL and one ended with SIGTERM while a test holds its branch, and bad
/// secret-bearing settings. Every byte of output and every file the runs wrote (summaries, diagnostic logs) is scanned.
/// </summary>
[TestClass]
public sealed class SecretScanTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>In CI: the Neon provider's diagnostic run, a SIGTERM mid-test and the exception messages (about 30 s).</summary>
    [TestMethod]
    [TestCategory("CI")]
    public Task KnownKeysAndPasswords_AppearInNoOutputAndNoFile_CiSubset() => ScanAsync(everyMode: false);

    [TestMethod]
    public Task KnownKeysAndPasswords_AppearInNoOutputAndNoFile_EveryMode() => ScanAsync(everyMode: true);

    private async Task ScanAsync(bool everyMode)
    {
        var sandbox = Directory.CreateTempSubdirectory("neon-faults-secrets-").FullName;
        var scanner = new SecretScanner();
        var modes = new List<string>();
        try
        {
            await using var emulator = await NeonApiEmulator.StartAsync(
                new NeonApiEmulatorOptions { AdminConnectionString = TestPostgres.Server.AdminConnectionString, EndpointStartDelay = TimeSpan.FromMilliseconds(20) },
                TestContext.CancellationToken);
            var superuserPassword = new NpgsqlConnectionStringBuilder(TestPostgres.Server.AdminConnectionString).Password!;
            var wrongKey = "napi_faults_wrong_" + Guid.NewGuid().ToString("N");
            scanner.Add("API key", emulator.ApiKey);
            scanner.Add("role password", await RolePasswordAsync(emulator));
            scanner.Add("superuser password", superuserPassword);
            scanner.Add("wrong API key", wrongKey);

            var neon = new Dictionary<string, string?>
            {
                ["NEON_API_KEY"] = emulator.ApiKey,
                ["NEON_PROJECT_ID"] = emulator.ProjectId,
                ["NEON_PROVIDER"] = "Neon",
                ["NEON_API_URL"] = emulator.BaseAddress.ToString(),
                ["NEON_KEEP_FAILED_BRANCHES"] = "1",
            };
            var local = new Dictionary<string, string?>
            {
                ["NEON_LOCAL_CONNECTION_STRING"] = TestPostgres.Server.AdminConnectionString,
                ["NEON_PROVIDER"] = "Local",

                // Not 1: a kept branch would outlive the run on the shared cluster, where other fault cases count leftovers.
                ["NEON_KEEP_FAILED_BRANCHES"] = "0",
            };
            string[] diagnostic(string name) => ["--diagnostic", "--diagnostic-verbosity", "Trace", "--diagnostic-output-directory", Path.Combine(sandbox, name, "diag"), "--output", "detailed"];

            await RunAsync("neon provider, diagnostic log, kept failed branch", [.. diagnostic("neon"), "--filter", "ClassName~IsolatedTests"], neon);
            await RunAsync("ended with SIGTERM mid-test (neon)", ["--filter", "ClassName~SignalTests"], neon, signal: "TERM");
            if (everyMode)
            {
                await RunAsync("local provider on a connection string with a password", [.. diagnostic("local"), "--filter", "ClassName~IsolatedTests"], local);
                await RunAsync("a refused API key", [.. diagnostic("refused"), "--filter", "ClassName~IsolatedTests"], new Dictionary<string, string?>(neon) { ["NEON_API_KEY"] = wrongKey });
                await RunAsync("killed with SIGKILL mid-test (neon)", ["--filter", "ClassName~SignalTests"], neon, signal: null);
                await RunAsync("ended with SIGTERM mid-test (local)", ["--filter", "ClassName~SignalTests"], local, signal: "TERM");
                await RunAsync("bad connection string with a password", ["--filter", "ClassName~IsolatedTests"], new Dictionary<string, string?>(local) { ["NEON_LOCAL_CONNECTION_STRING"] = TestPostgres.Server.AdminConnectionString + ";Port=not-a-port" });
                await RunAsync("API key with a line break", ["--filter", "ClassName~IsolatedTests"], new Dictionary<string, string?>(neon) { ["NEON_API_KEY"] = emulator.ApiKey + "\nX: 1" });
            }

            // Exception messages in process: every secret-bearing setting given a bad value from every source.
            foreach (var (property, value) in new[] { (NeonSettings.ApiKey, emulator.ApiKey + " x"), (NeonSettings.LocalConnectionString, TestPostgres.Server.AdminConnectionString + ";Bogus Key=1") })
            {
                foreach (var layer in new[] { SettingLayer.MSBuild(new Dictionary<string, string?> { [property] = value }), SettingLayer.Environment(v => v == NeonSettingCatalog.Find(property)!.EnvironmentVariable ? value : null) })
                {
                    var error = Assert.ThrowsExactly<NeonConfigurationException>(() => NeonTestingOptions.Parse(layer));
                    scanner.ScanText($"exception for {property} from {layer.Source.Kind}", error.ToString());
                }
            }

            modes.Add("exception messages of bad secret-bearing settings");
            scanner.ScanFolder(sandbox);
        }
        finally
        {
            Directory.Delete(sandbox, recursive: true);
        }

        FaultLog.Record("secrets", everyMode ? "scan of every mode's output and files" : "scan (CI subset)", scanner.Hits.Count == 0, new Dictionary<string, object?>
        {
            ["hits"] = scanner.Hits.Count,
            ["modes"] = modes.Count,
            ["filesScanned"] = scanner.FilesScanned,
            ["outputsAndMessagesScanned"] = scanner.TextsScanned,
            ["bytesScanned"] = scanner.BytesScanned,
        }, string.Join("\n", modes.Concat(scanner.Hits)));
        TestContext.WriteLine($"{modes.Count} modes, {scanner.FilesScanned} files, {scanner.BytesScanned} bytes, {scanner.Hits.Count} hits");
        Assert.IsEmpty(scanner.Hits, string.Join(Environment.NewLine, scanner.Hits));
        Assert.IsGreaterThan(everyMode ? 5 : 2, scanner.FilesScanned, "the runs wrote too few files to scan: " + string.Join(", ", modes));

        async Task RunAsync(string mode, string[] arguments, Dictionary<string, string?> variables, string? signal = "none")
        {
            var folder = Path.Combine(sandbox, "run-" + modes.Count);
            var environment = new Dictionary<string, string?>(variables);
            if (TestPostgres.RootDirectory is { } root)
            {
                environment["NEON_LOCAL_DATA_DIR"] = root;
            }

            var waitFile = Path.Combine(folder, "waiting");
            Func<Process, Task>? whileRunning = null;
            if (signal != "none")
            {
                Directory.CreateDirectory(folder);
                environment["NEON_SAMPLE_WAIT_FILE"] = waitFile;
                whileRunning = async process =>
                {
                    while (!File.Exists(waitFile) && !process.HasExited)
                    {
                        await Task.Delay(100);
                    }

                    if (signal is null)
                    {
                        process.Kill(); // SIGKILL, by its own handle
                    }
                    else
                    {
                        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                        await kill.WaitForExitAsync();
                    }
                };
            }

            var run = await SampleApp.RunAsync(arguments, environment, Path.Combine(folder, "results"), TimeSpan.FromMinutes(3), whileRunning);
            scanner.ScanText($"output of '{mode}'", run.Output);
            modes.Add($"{mode}: exit {run.ExitCode}");
        }
    }

    private static async Task<string> RolePasswordAsync(NeonApiEmulator emulator)
    {
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", emulator.ApiKey);
        var json = await http.GetStringAsync($"projects/{emulator.ProjectId}/branches/{emulator.DefaultBranchId}/roles/neondb_owner/reveal_password");
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("password").GetString()!;
    }
}
