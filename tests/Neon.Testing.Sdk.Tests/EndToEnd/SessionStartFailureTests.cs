namespace Neon.Testing.Sdk.Tests.EndToEnd;

/// <summary>
/// A session that cannot start (here a migration with an SQL error on its fifth line) stops the run before any test,
/// under VSTest too, for each default template: the reason said once with the file and its real line, a non-zero exit,
/// no failure per test, no misdiagnosis after it, and no branch left on the cluster.
/// </summary>
[TestClass]
public sealed class SessionStartFailureTests
{
    private const string BrokenSchema = """
        CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);
        INSERT INTO items (name) VALUES ('seed');

        -- a mistake four lines further down
        INSERT INTO items (name) VALUES ((1/0)::text);
        """;

    [TestMethod]
    [DataRow("mstest", "TplFailMSTest")]
    [DataRow("nunit", "TplFailNUnit")]
    [DataRow("xunit", "TplFailXunit")]
    public async Task FailingMigration_OnVSTest_StopsTheRunOnce_NamingTheFileAndLine(string template, string name)
    {
        var tests = template switch
        {
            "mstest" => TemplateProject.MSTestTests(),
            "nunit" => TemplateProject.NUnitTests(),
            _ => TemplateProject.XunitTests(),
        };
        await using var project = await TemplateProject.CreateAsync(template, name, tests);
        await File.WriteAllTextAsync(Path.Combine(project.Directory, "sql", "001_items.sql"), BrokenSchema);

        var run = await project.DotNetAsync(["test"]);

        Assert.AreNotEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual(1, Count(run.Output, "division by zero"), run.Output);
        StringAssert.Contains(run.Output, "001_items.sql");
        StringAssert.Contains(run.Output, "line 5");
        StringAssert.Contains(run.Output, "so no test ran");
        Assert.DoesNotContain("No Neon test session runs", run.Output, "a misdiagnosis after the real error");
        var (failed, passed, _) = TemplateProject.Totals(run.Output);
        Assert.IsLessThanOrEqualTo(0, passed, run.Output);
        Assert.IsLessThanOrEqualTo(1, failed, $"one failure per test instead of one stop:{Environment.NewLine}{run.Output}");
        CollectionAssert.AreEqual(Array.Empty<string>(), (await project.LeftoversAsync()).ToArray(), "a failed start leaves no branch");
    }

    private static int Count(string text, string value) =>
        (text.Length - text.Replace(value, "", StringComparison.Ordinal).Length) / value.Length;
}
