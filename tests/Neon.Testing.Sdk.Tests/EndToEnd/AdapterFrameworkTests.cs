namespace Neon.Testing.Sdk.Tests.EndToEnd;

/// <summary>
/// NUnit and xUnit v3 with nothing but the SDK: it adds the adapter package and generates the assembly
/// attribute that wires it, so each test gets a clean database and the branches go away, pass or fail.
/// </summary>
[TestClass]
public sealed class AdapterFrameworkTests
{
    public static IEnumerable<object[]> Frameworks => [["NUnitPlatform"], ["NUnitVSTest"], ["XunitV3"]];

    [TestMethod]
    [DynamicData(nameof(Frameworks))]
    public async Task DotnetTest_IsolatesEveryTest_AndDeletesTheBranches_WhenTestsPassOrFail(string name)
    {
        var files = name switch
        {
            "XunitV3" => ProjectTemplates.XunitV3(name),
            "NUnitVSTest" => ProjectTemplates.NUnitVSTest(name),
            _ => ProjectTemplates.NUnit(name),
        };
        await using var project = await E2EProject.CreateAsync(name, files, microsoftTestingPlatform: name != "NUnitVSTest");

        var passing = await project.DotNetAsync(["test"]);
        Assert.AreEqual(0, passing.ExitCode, passing.ToString());
        CollectionAssert.AreEqual(Array.Empty<string>(), (await project.LeftoversAsync()).ToArray(), "a passing run left branches behind");
        var attributes = await File.ReadAllTextAsync(Path.Combine(project.Directory, "obj", "Debug", "net10.0", "NeonTesting.g.cs"));
        StringAssert.Contains(attributes, "NeonTesting");
        Assert.IsFalse(passing.Output.Contains("ended in", StringComparison.Ordinal), "the MSBuild tasks ran a session beside the adapter's");

        var failing = await project.DotNetAsync(["test", "--no-build"], new Dictionary<string, string?> { ["E2E_FAIL"] = "1" });
        Assert.AreNotEqual(0, failing.ExitCode, failing.ToString());
        StringAssert.Contains(failing.Output, "asked to fail");
        CollectionAssert.AreEqual(Array.Empty<string>(), (await project.LeftoversAsync()).ToArray(), "a failing run left branches behind");
    }
}
