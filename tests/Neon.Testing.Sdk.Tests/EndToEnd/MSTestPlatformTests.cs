namespace Neon.Testing.Sdk.Tests.EndToEnd;

/// <summary>
/// MSTest on Microsoft.Testing.Platform with the SDK: the extension the SDK adds owns the session in
/// every way the app runs (dotnet test in MTP mode, dotnet run, the executable, dotnet msbuild -t:Test),
/// resets each test's database, and deletes the branches whether the tests pass or fail.
/// </summary>
[TestClass]
public sealed class MSTestPlatformTests
{
    private const string Name = "MSTestPlatform";
    private static readonly Dictionary<string, string?> Fail = new() { ["E2E_FAIL"] = "1" };
    private static E2EProject? _project;

    private static E2EProject Project => _project ?? throw new InvalidOperationException("ClassInitialize has not run.");

    [ClassInitialize]
    public static async Task CreateAsync(TestContext context)
    {
        _project = await E2EProject.CreateAsync(Name, ProjectTemplates.MSTest(Name), microsoftTestingPlatform: true);
        await BuildAsync();
    }

    [ClassCleanup]
    public static async Task DeleteAsync()
    {
        if (_project is not null)
        {
            await _project.DisposeAsync();
        }
    }

    private static async Task BuildAsync(params string[] properties)
    {
        var build = await Project.DotNetAsync(["build", .. properties]);
        Assert.AreEqual(0, build.ExitCode, build.ToString());
    }

    private static async Task AssertNothingLeftAsync(string run) =>
        CollectionAssert.AreEqual(Array.Empty<string>(), (await Project.LeftoversAsync()).ToArray(), $"{run} left branches behind");

    [TestMethod]
    public async Task DotnetTest_IsolatesEveryTest_AndDeletesTheBranches_WhenTestsPassOrFail()
    {
        var passing = await Project.DotNetAsync(["test", "--no-build"]);
        Assert.AreEqual(0, passing.ExitCode, passing.ToString());
        await AssertNothingLeftAsync("a passing dotnet test");

        var failing = await Project.DotNetAsync(["test", "--no-build"], Fail);
        Assert.AreNotEqual(0, failing.ExitCode, failing.ToString());
        StringAssert.Contains(failing.Output, "asked to fail");
        await AssertNothingLeftAsync("a failing dotnet test");
    }

    [TestMethod]
    public async Task DotnetRun_AndTheExecutable_RunTheSameSession_WithoutMSBuild()
    {
        var run = await Project.DotNetAsync(["run", "--no-build"]);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        await AssertNothingLeftAsync("dotnet run");

        var executable = await Project.RunAsync(Project.Executable, []);
        Assert.AreEqual(0, executable.ExitCode, executable.ToString());
        await AssertNothingLeftAsync("the executable");

        var failing = await Project.RunAsync(Project.Executable, [], Fail);
        Assert.AreNotEqual(0, failing.ExitCode, failing.ToString());
        await AssertNothingLeftAsync("the failing executable");
    }

    [TestMethod]
    public async Task Executable_RunsThePrecompiledEngine_OnLinuxX64()
    {
        if (System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier != "linux-x64")
        {
            Assert.Inconclusive($"The packages carry precompiled copies for linux-x64; this is {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}.");
        }

        // The runtime lists every method it compiles just in time: a precompiled engine leaves only generic
        // instantiations of other assemblies' code to compile (a handful), the IL copy several hundred.
        var jitLog = Path.Combine(Project.Directory, "jit.log");
        var run = await Project.RunAsync(Project.Executable, [], new Dictionary<string, string?> { ["DOTNET_JitStdOutFile"] = jitLog, ["DOTNET_JitDisasmSummary"] = "1" });

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.IsTrue(File.Exists(Path.Combine(Path.GetDirectoryName(Project.Executable)!, "runtimes", "linux-x64", "lib", "net10.0", "Neon.Testing.Engine.dll")), "the build output has no precompiled engine");
        var compiled = File.ReadLines(jitLog).Count(line => line.Contains("JIT compiled Neon.Testing.Engine.", StringComparison.Ordinal));
        Assert.IsLessThan(50, compiled, $"{compiled} methods of Neon.Testing.Engine were compiled just in time: the IL copy ran, not the precompiled one");
        await AssertNothingLeftAsync("the executable");
    }

    [TestMethod]
    public async Task Executable_KeepsTheBranches_WithTheCommandLineOption()
    {
        var run = await Project.RunAsync(Project.Executable, ["--neon-keep-branches"]);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreNotEqual(0, (await Project.LeftoversAsync()).Count, "--neon-keep-branches kept nothing");
        await ClusterDatabases.DropAsync(Project.BranchPrefix);
    }

    [TestMethod]
    public async Task KeepBranchesProperty_ReachesTheTestApp_ThroughTheSettingsFile()
    {
        try
        {
            var run = await Project.DotNetAsync(["test", "-p:NeonKeepBranches=true"]);

            Assert.AreEqual(0, run.ExitCode, run.ToString());
            Assert.AreNotEqual(0, (await Project.LeftoversAsync()).Count, "-p:NeonKeepBranches=true kept nothing");
        }
        finally
        {
            await ClusterDatabases.DropAsync(Project.BranchPrefix);
            await BuildAsync();
        }
    }

    [TestMethod]
    public async Task NeonEnabledFalse_CreatesNothing()
    {
        try
        {
            var run = await Project.DotNetAsync(["test", "-p:NeonEnabled=false"], new Dictionary<string, string?> { ["E2E_EXPECT_DISABLED"] = "1" });

            Assert.AreEqual(0, run.ExitCode, run.ToString());
            await AssertNothingLeftAsync("a disabled run");
        }
        finally
        {
            await BuildAsync();
        }
    }

    [TestMethod]
    public async Task InvalidProperty_FailsTheBuild_WithItsNeonCodeAndTheFix()
    {
        var run = await Project.DotNetAsync(["test", "-p:NeonBranchExpiry=0"]);

        Assert.AreNotEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Output, "error NEON1009: NeonBranchExpiry is '0', which is not a duration above zero.");
        await AssertNothingLeftAsync("a build with a bad property");
    }

    [TestMethod]
    public async Task MSBuildTestTarget_LeavesTheSessionToTheExtension_PassOrFail()
    {
        var passing = await Project.DotNetAsync(["msbuild", "-t:Test", "-v:m"]);
        Assert.AreEqual(0, passing.ExitCode, passing.ToString());
        Assert.IsFalse(passing.Output.Contains("Neon.Testing: Local session", StringComparison.Ordinal) && passing.Output.Contains("ended in", StringComparison.Ordinal),
            "the MSBuild tasks started a second session in an MTP app");
        await AssertNothingLeftAsync("dotnet msbuild -t:Test");

        var failing = await Project.DotNetAsync(["msbuild", "-t:Test", "-v:m"], Fail);
        Assert.AreNotEqual(0, failing.ExitCode, failing.ToString());
        await AssertNothingLeftAsync("a failing dotnet msbuild -t:Test");
    }
}
