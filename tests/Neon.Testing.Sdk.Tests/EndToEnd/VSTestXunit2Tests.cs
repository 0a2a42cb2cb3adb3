using System.Text.Json;

namespace Neon.Testing.Sdk.Tests.EndToEnd;

/// <summary>
/// A classic VSTest project (xUnit v2, Microsoft.NET.Test.Sdk, global.json without the MTP runner): the SDK adds
/// the xUnit v2 hook, whose session lives in the test host (a clean database per test); the SDK's tasks print its
/// summary and delete whatever VSTest's end of the host left, pass or fail.
/// </summary>
[TestClass]
public sealed class VSTestXunit2Tests
{
    private const string Name = "VSTestXunit2";
    private static E2EProject? _project;

    private static E2EProject Project => _project ?? throw new InvalidOperationException("ClassInitialize has not run.");

    private static readonly Dictionary<string, string?> ExpectConnectionStringName = new() { ["E2E_CONNECTION_STRING_NAME"] = "Main" };

    [ClassInitialize]
    public static async Task CreateAsync(TestContext context)
    {
        _project = await E2EProject.CreateAsync(Name, ProjectTemplates.VSTestXunit2(Name), microsoftTestingPlatform: false);
        var build = await Project.DotNetAsync(["build"]);
        Assert.AreEqual(0, build.ExitCode, build.ToString());
    }

    [ClassCleanup]
    public static async Task DeleteAsync()
    {
        if (_project is not null)
        {
            await _project.DisposeAsync();
        }
    }

    [TestMethod]
    public async Task DotnetTest_GivesEachRunItsOwnDatabase_AndDeletesItAfterPassingTests()
    {
        // Twice: a second run sees only the seed row again, so no run writes where another run reads.
        foreach (var attempt in new[] { "first", "second" })
        {
            var run = await Project.DotNetAsync(["test", "--no-build"], ExpectConnectionStringName);

            Assert.AreEqual(0, run.ExitCode, $"{attempt} run: {run}");
            // The xUnit v2 hook owns the session in the test host; the SDK's tasks print its summary.
            StringAssert.Contains(run.Output, "Neon.Testing: Local provider; branches created 2");
            CollectionAssert.AreEqual(Array.Empty<string>(), (await Project.LeftoversAsync()).ToArray(), $"{attempt} run left branches behind");
        }
    }

    [TestMethod]
    public async Task ConnectionString_NeverReachesTheLog_NorTheBinaryLog()
    {
        // The branch's connection string carries the cluster's superuser password.
        var server = await Neon.Testing.Engine.Providers.Local.EmbeddedPostgres.StartAsync(Environment.GetEnvironmentVariable("NEON_LOCAL_DATA_DIR"), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var password = new Npgsql.NpgsqlConnectionStringBuilder(server.AdminConnectionString).Password!;
        var binaryLog = Path.Combine(Project.Directory, "test.binlog");

        var run = await Project.DotNetAsync(["test", "--no-build", "-v:diag", $"-bl:{binaryLog}"], ExpectConnectionStringName);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Output, "branches created 2");
        Assert.IsFalse(run.Output.Contains(password, StringComparison.Ordinal), "the password reached the diagnostic log");
        await using var gzip = new System.IO.Compression.GZipStream(File.OpenRead(binaryLog), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, System.Text.Encoding.Latin1);
        var recorded = await reader.ReadToEndAsync();
        StringAssert.Contains(recorded, "Neon.Testing: Local provider", "the binary log was not read");
        Assert.IsFalse(recorded.Contains(password, StringComparison.Ordinal), "the password reached the binary log");
    }

    [TestMethod]
    public async Task DotnetTest_DeletesTheBranches_WhenTestsFail()
    {
        var run = await Project.DotNetAsync(["test", "--no-build"], new Dictionary<string, string?> { ["E2E_FAIL"] = "1" });

        Assert.AreNotEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Output, "asked to fail");
        CollectionAssert.AreEqual(Array.Empty<string>(), (await Project.LeftoversAsync()).ToArray());
    }

    [TestMethod]
    public async Task KeepBranchesProperty_LeavesTheBranchesForDebugging()
    {
        var run = await Project.DotNetAsync(["test", "--no-build", "-p:NeonKeepBranches=true"]);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Output, "(kept: NeonKeepBranches)");
        var left = await Project.LeftoversAsync();
        Assert.IsTrue(left.Any(n => n.EndsWith("-migration", StringComparison.Ordinal)) && left.Any(n => n.EndsWith("-isolated-1", StringComparison.Ordinal)), string.Join(", ", left));
        await ClusterDatabases.DropAsync(Project.BranchPrefix);
    }

    [TestMethod]
    public async Task NeonEnabledFalse_CreatesNothing()
    {
        var run = await Project.DotNetAsync(["test", "--no-build", "-p:NeonEnabled=false"], new Dictionary<string, string?> { ["E2E_EXPECT_DISABLED"] = "1" });

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.IsFalse(run.Output.Contains("session", StringComparison.Ordinal), run.Output);
        CollectionAssert.AreEqual(Array.Empty<string>(), (await Project.LeftoversAsync()).ToArray());
    }

    [TestMethod]
    public async Task InvalidProperty_FailsTheBuild_WithItsNeonCodeAndTheFix()
    {
        var run = await Project.DotNetAsync(["test", "-p:NeonIsolation=Sometimes"]);

        Assert.AreNotEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Output, "error NEON1015: NeonIsolation is 'Sometimes'. Use one of: Isolated, ReadOnly, Shared, PerClass, Transaction.");
        StringAssert.Contains(run.Output, $"{Name}.csproj");
        CollectionAssert.AreEqual(Array.Empty<string>(), (await Project.LeftoversAsync()).ToArray());
    }

    [TestMethod]
    public async Task MSBuildTestTarget_DeletesTheBranches_WhetherTestsPassOrFail()
    {
        var passing = await Project.DotNetAsync(["msbuild", "-t:Test", "-v:m"], ExpectConnectionStringName);
        Assert.AreEqual(0, passing.ExitCode, passing.ToString());
        StringAssert.Contains(passing.Output, "branches created 2");
        CollectionAssert.AreEqual(Array.Empty<string>(), (await Project.LeftoversAsync()).ToArray());

        var failing = await Project.DotNetAsync(["msbuild", "-t:Test", "-v:m"], new Dictionary<string, string?> { ["E2E_FAIL"] = "1" });
        Assert.AreNotEqual(0, failing.ExitCode, failing.ToString());
        StringAssert.Contains(failing.Output, "asked to fail");
        StringAssert.Contains(failing.Output, "branches created 2");
        CollectionAssert.AreEqual(Array.Empty<string>(), (await Project.LeftoversAsync()).ToArray());
    }

    [TestMethod]
    public async Task PlainBuild_WritesTheSettingsFile_WithoutSecrets_AndCreatesNoBranch()
    {
        const string ApiKey = "e2e-api-key-must-not-leak";
        const string Password = "e2e-password-must-not-leak";
        var build = await Project.DotNetAsync(["build", "-v:d", $"-p:NeonApiKey={ApiKey}", $"-p:NeonLocalConnectionString=Host=127.0.0.1%3BUsername=e2e%3BPassword={Password}"]);

        Assert.AreEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(build.Output, "warning NEON2001");
        // MSBuild echoes its own command line at this verbosity; no other line may hold the password.
        var leaks = build.Output.Split('\n').Where(l => l.Contains(Password, StringComparison.Ordinal) && !l.Contains("Command line arguments", StringComparison.Ordinal)).ToList();
        CollectionAssert.AreEqual(Array.Empty<string>(), leaks, "the password reached the build log");
        var file = await File.ReadAllTextAsync(Path.Combine(Project.Directory, "bin", "Debug", "net10.0", "neon-testing.json"));
        Assert.IsFalse(file.Contains(ApiKey, StringComparison.Ordinal) || file.Contains(Password, StringComparison.Ordinal), file);
        using var json = JsonDocument.Parse(file);
        var settings = json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString());
        Assert.AreEqual("sql", settings["NeonMigrations"]);
        Assert.AreEqual("Main", settings["NeonConnectionStringName"]);
        Assert.AreEqual("Host=127.0.0.1;Username=e2e", settings["NeonLocalConnectionString"]);
        Assert.AreEqual(Project.Directory, settings["NeonWorkingDirectory"]);
        Assert.IsFalse(settings.ContainsKey("NeonApiKey"));
        CollectionAssert.AreEqual(Array.Empty<string>(), (await Project.LeftoversAsync()).ToArray());

        // Back to the project's own settings for the other tests.
        var rebuild = await Project.DotNetAsync(["build"]);
        Assert.AreEqual(0, rebuild.ExitCode, rebuild.ToString());
    }
}
