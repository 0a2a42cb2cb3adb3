namespace Neon.Testing.Sdk.Tests.EndToEnd;

/// <summary>
/// <c>dotnet new mstest|nunit|xunit</c> as the installed .NET SDK creates them (VSTest, their package versions), and
/// the newest versions in the registry, with only the SDK line added: every test gets its own clean database, through
/// the framework's own per-test hook, and nothing is left on the cluster. Versions no hook can serve fail the build
/// (or warn, where one shared database still works) with a NEON code naming the version needed; never a crashed host.
/// </summary>
[TestClass]
public sealed class TemplateTests
{
    // The tests read NeonDatabase.ConnectionString and run at once, each on a branch of its own. (Their code names
    // DATABASE_URL too, for the runs without the variable: NeonConcurrentTests=Auto would make them take turns.)
    private static readonly Dictionary<string, string?> UseApi = new() { ["E2E_USE_API"] = "1", ["NEON_CONCURRENT_TESTS"] = "Branches" };

    [TestMethod]
    public async Task MSTestTemplate_OnVSTest_GivesEachParallelTestItsOwnDatabase_DatabaseUrlReadersTakeTurns_OrOnBranchesFailOnce()
    {
        // The template's MSTestSettings.cs runs methods in parallel: tests read NeonDatabase.ConnectionString.
        await using var project = await TemplateProject.CreateAsync("mstest", "TplMSTest", TemplateProject.MSTestTests());

        var run = await project.DotNetAsync(["test"], UseApi);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual((0, 4, 4), TemplateProject.Totals(run.Output), run.Output);
        StringAssert.Contains(await File.ReadAllTextAsync(Path.Combine(project.Directory, "obj", "Debug", "net10.0", "NeonTesting.g.cs")), "GlobalTestInitialize");
        Assert.IsTrue(File.Exists(Path.Combine(project.Directory, "bin", "Debug", "net10.0", "TestResults", "neon-testing-summary.TplMSTest.json")), "the summary was not written");
        CollectionAssert.AreEqual(Array.Empty<string>(), (await project.LeftoversAsync()).ToArray(), "the run left branches behind");

        // The same tests reading DATABASE_URL, as the quick start writes them: the template's parallel methods take turns
        // on the branch it names (NeonConcurrentTests=Auto sees the name in the test code), and all pass.
        var turns = await project.DotNetAsync(["test", "--no-build"]);
        Assert.AreEqual(0, turns.ExitCode, turns.ToString());
        Assert.AreEqual((0, 4, 4), TemplateProject.Totals(turns.Output), turns.Output);
        StringAssert.Contains(turns.Output, "isolated tests took turns on one branch");
        CollectionAssert.AreEqual(Array.Empty<string>(), (await project.LeftoversAsync()).ToArray(), "the run left branches behind");

        // Told to give each its own branch, DATABASE_URL readers that overlap fail once each, with the message once.
        var shared = await project.DotNetAsync(["test", "--no-build"], new Dictionary<string, string?> { ["NEON_CONCURRENT_TESTS"] = "Branches" });
        var (failed, passed, total) = TemplateProject.Totals(shared.Output);
        Assert.AreEqual(4, total, shared.Output);
        Assert.AreEqual(4, failed + passed, shared.Output);
        // The test that held the branch may fail its own assertions (it sees the others' rows); each reader is failed once, said once.
        var messages = Count(shared.Output, "most likely through DATABASE_URL");
        Assert.IsTrue(messages >= 1 && messages <= failed, shared.Output);
        for (var i = 1; i <= 4; i++)
        {
            Assert.IsLessThanOrEqualTo(1, Count(shared.Output, $"'E2E.ItemTests.Test{i}' ran at the same time"), shared.Output);
        }
        Assert.AreNotEqual(134, shared.ExitCode, shared.Output);
        CollectionAssert.AreEqual(Array.Empty<string>(), (await project.LeftoversAsync()).ToArray(), "the run left branches behind");
    }

    [TestMethod]
    public async Task XunitTemplate_OnVSTest_GivesEachTestItsOwnDatabase()
    {
        await using var project = await TemplateProject.CreateAsync("xunit", "TplXunit", TemplateProject.XunitTests());
        await AssertIsolatedAsync(project, ["test"], 4);
    }

    [TestMethod]
    public async Task NUnitTemplate_OnVSTest_BuildsAndGivesEachTestItsOwnDatabase()
    {
        await using var project = await TemplateProject.CreateAsync("nunit", "TplNUnit", TemplateProject.NUnitTests());
        await AssertIsolatedAsync(project, ["test"], 4);
    }

    [TestMethod]
    public async Task NUnit5_OnVSTest_GivesEachTestItsOwnDatabase()
    {
        await using var project = await TemplateProject.CreateAsync("nunit", "TplNUnit5", TemplateProject.NUnitTests(3),
            new Dictionary<string, string> { ["NUnit"] = "5.0.0", ["NUnit3TestAdapter"] = "6.3.1", ["Microsoft.NET.Test.Sdk"] = "18.0.1" });
        await AssertIsolatedAsync(project, ["test"], 3);
    }

    [TestMethod]
    [DataRow("4.0.2", DisplayName = "MSTest 4.0.2 (the template's) on MTP")]
    [DataRow("4.5.3", DisplayName = "MSTest 4.5.3 on MTP")]
    public async Task MSTest_OnMicrosoftTestingPlatform_GivesEachTestItsOwnDatabase_AndNeverCrashesTheHost(string version)
    {
        await using var project = await TemplateProject.CreateAsync("mstest", "TplMSTestMtp", TemplateProject.MSTestTests(3),
            new Dictionary<string, string> { ["MSTest"] = version }, microsoftTestingPlatform: true,
            extraProperties: "<EnableMSTestRunner>true</EnableMSTestRunner><OutputType>Exe</OutputType>");
        await AssertIsolatedAsync(project, ["test"], 3, UseApi);
    }

    [TestMethod]
    public async Task XunitV3_4_OnMicrosoftTestingPlatform_GivesEachTestItsOwnDatabase()
    {
        var files = ProjectTemplates.XunitV3("TplXunitV3").ToDictionary();
        files["TplXunitV3.csproj"] = files["TplXunitV3.csproj"].Replace("""<PackageReference Include="xunit.v3.mtp-v1" Version="3.2.2" />""", """<PackageReference Include="xunit.v3" Version="4.0.3" />""", StringComparison.Ordinal);
        await using var project = await E2EProject.CreateAsync("TplXunitV3", files, microsoftTestingPlatform: true);
        await AssertIsolatedAsync(project, ["test"], 2);
    }

    [TestMethod]
    [DataRow("nunit", "NUnit", "3.14.0", "error NEON4001", "NUnit 4.1.0 or later", false)]
    [DataRow("mstest", "MSTest", "3.8.3", "error NEON4002", "MSTest 3.11.1 or later", true)]
    [DataRow("mstest", "MSTest", "3.8.3", "warning NEON2007", "MSTest to 3.11.1 or later", false)]
    [DataRow("xunit", "xunit", "2.5.3", "warning NEON2008", "xunit to 2.8.0 or later", false)]
    public async Task TooOldFramework_IsNamedInTheBuild_WithTheVersionNeeded(string template, string package, string version, string code, string fix, bool platform)
    {
        var tests = template switch { "nunit" => TemplateProject.NUnitTests(1), "xunit" => TemplateProject.XunitTests(1), _ => TemplateProject.MSTestTests(1) };
        await using var project = await TemplateProject.CreateAsync(template, "TplOld", tests, new Dictionary<string, string> { [package] = version },
            microsoftTestingPlatform: platform, extraProperties: platform ? "<EnableMSTestRunner>true</EnableMSTestRunner><OutputType>Exe</OutputType>" : null);

        var build = await project.DotNetAsync(["build"]);

        StringAssert.Contains(build.Output, code, build.Output);
        StringAssert.Contains(build.Output, fix, build.Output);
        Assert.AreEqual(code.StartsWith("error", StringComparison.Ordinal), build.ExitCode != 0, build.Output);
        Assert.IsFalse(build.Output.Contains("NU1605", StringComparison.Ordinal), "a package downgrade, not a NEON code: " + build.Output);
    }

    private static async Task AssertIsolatedAsync(E2EProject project, string[] arguments, int tests, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var run = await project.DotNetAsync(arguments, environment);

        Assert.AreNotEqual(134, run.ExitCode, "the test host crashed: " + run.Output);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var totals = TemplateProject.Totals(run.Output);
        if (totals.Total >= 0)
        {
            Assert.AreEqual((0, tests, tests), totals, run.Output);
        }

        Assert.IsFalse(run.Output.Contains("NEON20", StringComparison.Ordinal), "a combination that should isolate warned: " + run.Output);
        AssertSaysWhatItDid(project, run.Output, passed: true);
        CollectionAssert.AreEqual(Array.Empty<string>(), (await project.LeftoversAsync()).ToArray(), "the run left branches behind");

        // Once more with a failing test: the branches still go.
        var failing = await project.DotNetAsync([.. arguments, "--no-build"], new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>()) { ["E2E_FAIL"] = "1" });
        Assert.AreNotEqual(0, failing.ExitCode, failing.ToString());
        Assert.AreNotEqual(134, failing.ExitCode, failing.ToString());
        AssertSaysWhatItDid(project, failing.Output, passed: false);
        CollectionAssert.AreEqual(Array.Empty<string>(), (await project.LeftoversAsync()).ToArray(), "a failing run left branches behind");
    }

    /// <summary>
    /// The plain <c>dotnet test</c> output has the session's summary block once, whether the tests passed or failed;
    /// except a passing run of an MTP app under the .NET 10 SDK's <c>dotnet test</c>, which shows no test app output:
    /// there the summary file is written (and listed as the session's artifact where our MTP extension runs).
    /// </summary>
    private static void AssertSaysWhatItDid(E2EProject project, string output, bool passed)
    {
        if (passed && output.Contains("Test run summary:", StringComparison.Ordinal))
        {
            var files = Directory.GetFiles(project.Directory, "neon-testing-summary.*.txt", SearchOption.AllDirectories);
            Assert.IsNotEmpty(files, "no summary file: " + output);
            StringAssert.Contains(File.ReadAllText(files[0]), "Neon.Testing: Local provider; branches created");
            return;
        }

        Assert.AreEqual(1, Count(output, "Neon.Testing: Local provider; branches created"), "the summary block, once: " + output);
        StringAssert.Contains(output, "migrations ran");
    }

    private static int Count(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
