using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Neon.Testing.Sdk.Tests.EndToEnd;

/// <summary>
/// The README's main job: samples/TodoApp.Tests, which uses nothing but the SDK, run with `dotnet test`
/// on the packed packages. Also reports where the run's time goes: the session and isolation work
/// (the extension's summary) against the tests themselves.
/// </summary>
[TestClass]
public sealed partial class SampleTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task TodoAppSample_PassesOnThePackedSdk_AndLeavesNoBranch()
    {
        var sdk = await PackedSdk.GetAsync();
        // Branch names start with the CI branch variable when it is set: a unique one scopes what this run created.
        var branch = "e2e" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var environment = new Dictionary<string, string?>(sdk.Environment) { ["GITHUB_HEAD_REF"] = branch };
        var project = Path.Combine(RepositoryPaths.Root, "samples", "TodoApp.Tests", "TodoApp.Tests.csproj");
        var results = Path.Combine(sdk.Root, "sample-results-" + branch);

        var run = await DotNet.RunAsync("dotnet", ["test", "--project", project, "--output", "Detailed", "--results-directory", results], RepositoryPaths.Root, environment, TimeSpan.FromMinutes(5));

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        CollectionAssert.AreEqual(Array.Empty<string>(), (await ClusterDatabases.ListAsync($"neon-testing/{branch}-")).ToArray(), "the sample left branches behind");
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(results, "neon-testing-summary.TodoApp.Tests.json")));
        var session = summary.RootElement.GetProperty("sessionStartMs").GetDouble();
        var isolation = summary.RootElement.GetProperty("isolationMs").GetDouble();
        var tests = TestDuration().Matches(run.Output).Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.AreEqual(8, TestDuration().Count(run.Output), run.Output);
        var line = $"sample `dotnet test`: {RunDuration().Match(run.Output).Value}; session start {session:0} ms, isolation {isolation:0} ms, the 8 tests' own time {tests:0} ms";
        TestContext.WriteLine(line);
        Directory.CreateDirectory(Path.Combine(RepositoryPaths.Root, "artifacts"));
        await File.WriteAllTextAsync(Path.Combine(RepositoryPaths.Root, "artifacts", "sample-timing.txt"), line + "\n");
    }

    [TestMethod]
    public async Task LibrarySample_PassesOnThePackedSdk_WithItsOwnIsolationChecks_AndLeavesNoBranch()
    {
        // The main job: ASP.NET Core + EF Core through WebApplicationFactory, parallel classes, a read-only
        // report class and schema-changing tests. Every test asserts it starts from the migrated state.
        var sdk = await PackedSdk.GetAsync();
        var branch = "e2e" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var environment = new Dictionary<string, string?>(sdk.Environment) { ["GITHUB_HEAD_REF"] = branch };
        var project = Path.Combine(RepositoryPaths.Root, "samples", "Library.Api.Tests", "Library.Api.Tests.csproj");
        var results = Path.Combine(sdk.Root, "library-results-" + branch);

        var run = await DotNet.RunAsync("dotnet", ["test", "--project", project, "--output", "Detailed", "--results-directory", results], RepositoryPaths.Root, environment, TimeSpan.FromMinutes(8));

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.IsGreaterThanOrEqualTo(30, PassedTest().Count(run.Output), run.Output);
        CollectionAssert.AreEqual(Array.Empty<string>(), (await ClusterDatabases.ListAsync($"neon-testing/{branch}-")).ToArray(), "the sample left branches behind");
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(results, "neon-testing-summary.Library.Api.Tests.json")));
        var resets = summary.RootElement.GetProperty("resets");
        Assert.IsGreaterThanOrEqualTo(1, resets.GetProperty("full").GetInt32(), "the schema-changing tests got their branch re-created");
        Assert.IsGreaterThanOrEqualTo(2, summary.RootElement.GetProperty("isolatedBranches").GetInt32(), "parallel classes ran on branches of their own");
        Assert.AreEqual(0, summary.RootElement.GetProperty("sharingViolations").GetInt32());
        TestContext.WriteLine(await File.ReadAllTextAsync(Path.Combine(results, "neon-testing-summary.Library.Api.Tests.txt")));
    }

    [TestMethod]
    [DataRow("TodoApp.Tests")]
    [DataRow("Library.Api.Tests")]
    public void Sample_NamesTheSdk_AtTheRepositorysVersion(string sample)
    {
        var project = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", sample, sample + ".csproj"));

        StringAssert.Contains(project, $"<Sdk Name=\"Neon.Testing.Sdk\" Version=\"{RepositoryPaths.Version}\" />");
    }
    [GeneratedRegex(@"^passed .* \((\d+)ms\)", RegexOptions.Multiline)]
    private static partial Regex TestDuration();

    [GeneratedRegex(@"^passed ", RegexOptions.Multiline)]
    private static partial Regex PassedTest();

    [GeneratedRegex(@"duration: [^\n]+")]
    private static partial Regex RunDuration();
}
