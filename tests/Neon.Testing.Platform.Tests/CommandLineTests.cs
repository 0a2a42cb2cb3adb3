namespace Neon.Testing.Platform.Tests;

/// <summary>The --neon-* options: listed in --help, validated before anything is created.</summary>
[TestClass]
public sealed class CommandLineTests
{
    [TestMethod]
    public async Task Help_ListsTheNeonOptions()
    {
        var run = await Samples.RunAsync(Samples.MSTest, ["--help"]);

        Assert.AreEqual(0, run.ExitCode, run.Output);
        foreach (var option in NeonTestingCommandLineOptionsProvider.Options)
        {
            StringAssert.Contains(run.Output, "--" + option.Option);
        }

        Assert.DoesNotContain("--neon-api-key", run.Output, "secrets come from environment variables only");
        Assert.DoesNotContain("--neon-local-connection-string", run.Output, "secrets come from environment variables only");
    }

    [TestMethod]
    public void Options_AreTheCatalogueSettingsWithAnOption()
    {
        var options = new NeonTestingCommandLineOptionsProvider().GetCommandLineOptions();
        var expected = Neon.Testing.Engine.Configuration.NeonSettingCatalog.All.Where(s => s.Option is not null).ToList();

        CollectionAssert.AreEqual(expected.Select(s => s.Option).ToList(), options.Select(o => o.Name).ToList());
        foreach (var (setting, option) in expected.Zip(options))
        {
            StringAssert.Contains(option.Description, setting.Description);
            Assert.AreEqual(setting.IsSwitch ? 0 : 1, option.Arity.Min, setting.Property);
        }
    }

    [TestMethod]
    public async Task InvalidIsolationVariable_IsReportedOnce_NamingTheVariable_WithoutTheHelpText()
    {
        var before = await TestServer.SessionDatabasesAsync();
        var run = await Samples.RunAsync(Samples.MSTest, ["--filter", "ClassName~IsolatedTests"], new Dictionary<string, string?> { ["NEON_ISOLATION"] = "Sometimes" });

        Assert.AreNotEqual(0, run.ExitCode, run.Output);
        StringAssert.Contains(run.Output, "NEON1015: NeonIsolation is 'Sometimes'. Use one of: Isolated, ReadOnly, Shared, PerClass, Transaction. It comes from the environment variable NEON_ISOLATION");
        Assert.AreEqual(1, CountOf(run.Output, "NEON_ISOLATION"), run.Output);
        Assert.AreEqual(1, CountOf(run.Output, "Sometimes"), run.Output);
        Assert.DoesNotContain("--diagnostic", run.Output, "no --help text after a settings error");
        CollectionAssert.AreEqual(before.ToArray(), (await TestServer.SessionDatabasesAsync()).ToArray());
    }

    [TestMethod]
    public async Task ConflictingMigrations_NameWhereEachCameFrom()
    {
        var run = await Samples.RunAsync(
            Samples.MSTest,
            ["--filter", "ClassName~IsolatedTests", "--neon-migrations", Samples.SqlFolder],
            new Dictionary<string, string?> { ["NEON_MIGRATION_COMMAND"] = "exit 0" });

        Assert.AreNotEqual(0, run.ExitCode, run.Output);
        StringAssert.Contains(run.Output, "the command-line option --neon-migrations", run.Output);
        StringAssert.Contains(run.Output, "the environment variable NEON_MIGRATION_COMMAND", run.Output);
    }

    [TestMethod]
    public async Task EmptyMigrationsVariable_ClearsTheFolder_SoACommandAlone_RunsAndWarnsItMadeNoTable()
    {
        var run = await Samples.RunAsync(
            Samples.MSTest,
            ["--filter", "ClassName~IsolatedTests"],
            new Dictionary<string, string?> { ["NEON_MIGRATIONS"] = "", ["NEON_MIGRATION_COMMAND"] = "echo migrated nothing" });

        Assert.DoesNotContain("Both NeonMigrations", run.Output, run.Output);
        var warnings = run.RequiredSummary.GetProperty("warnings");
        Assert.AreEqual(1, warnings.GetArrayLength(), run.Output);
        StringAssert.Contains(warnings[0].GetString(), "no table");
        StringAssert.Contains(run.SummaryText ?? "", "warning: The migration command (NeonMigrationCommand) succeeded, but the database has no table");
    }

    [TestMethod]
    public async Task LocalDataDirectoryUnderAFile_IsReportedWithItsCode_NotAnIOException()
    {
        var file = Path.GetTempFileName();
        try
        {
            var run = await Samples.RunAsync(Samples.MSTest, ["--filter", "ClassName~IsolatedTests"], new Dictionary<string, string?> { ["NEON_LOCAL_DATA_DIR"] = Path.Combine(file, "cluster") });

            Assert.AreNotEqual(0, run.ExitCode, run.Output);
            StringAssert.Contains(run.Output, "NEON1017: NeonLocalDataDirectory is '" + Path.Combine(file, "cluster") + "'", run.Output);
            StringAssert.Contains(run.Output, "It comes from the environment variable NEON_LOCAL_DATA_DIR", run.Output);
            Assert.DoesNotContain("FileNotFoundException", run.Output);
            Assert.DoesNotContain("IOException", run.Output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static int CountOf(string text, string value) =>
        (text.Length - text.Replace(value, "", StringComparison.Ordinal).Length) / value.Length;

    [TestMethod]
    public async Task InvalidIsolation_FailsFast_NamingTheValidLevels()
    {
        var before = await TestServer.SessionDatabasesAsync();
        var run = await Samples.RunAsync(Samples.MSTest, ["--neon-isolation", "Sometimes"]);

        Assert.AreNotEqual(0, run.ExitCode);
        StringAssert.Contains(run.Output, "NeonIsolation is 'Sometimes'");
        StringAssert.Contains(run.Output, "Isolated, ReadOnly, Shared, PerClass, Transaction");
        StringAssert.Contains(run.Output, "the command-line option --neon-isolation");
        Assert.DoesNotContain("--diagnostic", run.Output, "no --help text after a settings error");
        CollectionAssert.AreEqual(before.ToArray(), (await TestServer.SessionDatabasesAsync()).ToArray());
    }

    [TestMethod]
    public async Task NeonProviderWithoutAKey_FailsFast_SayingWhatToSet()
    {
        var run = await Samples.RunAsync(Samples.MSTest, ["--neon-provider", "Neon", "--neon-project-id", "young-sun-12345678"], new Dictionary<string, string?> { ["NEON_API_KEY"] = null });

        Assert.AreNotEqual(0, run.ExitCode);
        StringAssert.Contains(run.Output, "NEON_API_KEY");
    }

    [TestMethod]
    public async Task SessionThatCannotStart_StopsTheRunBeforeAnyTest_WithTheReasonOnce_AndNoSecret()
    {
        var run = await Samples.RunAsync(
            Samples.MSTest,
            ["--filter", "ClassName~IsolatedTests"],
            new Dictionary<string, string?> { ["NEON_LOCAL_CONNECTION_STRING"] = "Host=127.0.0.1;Port=1;Username=nobody_here;Password=do-not-print-me" });

        Assert.AreEqual(2, run.ExitCode, run.Output);
        Assert.IsEmpty(run.Outcomes, $"no test may run without its database:{Environment.NewLine}{run.Output}");
        Assert.AreEqual(1, Occurrences(run.Output, "Neon.Testing could not start the session"), run.Output);
        StringAssert.Contains(run.Output, "NEON_LOCAL_CONNECTION_STRING");
        Assert.DoesNotContain("do-not-print-me", run.Output);
    }

    [TestMethod]
    public async Task FailingMigration_StopsTheRunBeforeAnyTest_NamingTheFile()
    {
        var migrations = Directory.CreateTempSubdirectory("neon-bad-migration-").FullName;
        File.WriteAllText(Path.Combine(migrations, "001_items.sql"), "CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);\n\n\n\nINSERT INTO items (name) VALUES ((1/0)::text);\n");

        var run = await Samples.RunAsync(Samples.MSTest, ["--neon-migrations", migrations, "--filter", "ClassName~IsolatedTests"]);

        Assert.AreEqual(2, run.ExitCode, run.Output);
        Assert.IsEmpty(run.Outcomes, run.Output);
        Assert.AreEqual(1, Occurrences(run.Output, "001_items.sql"), run.Output);
        StringAssert.Contains(run.Output, "division by zero");
        Assert.DoesNotContain("No Neon test session runs", run.Output, "a misdiagnosis after the real error");
        Assert.IsEmpty(await TestServer.SessionDatabasesAsync(), "a failed start leaves no branch");
    }

    private static int Occurrences(string text, string value) =>
        (text.Length - text.Replace(value, "", StringComparison.Ordinal).Length) / value.Length;

    [TestMethod]
    public async Task IsolationOption_SetsTheDefaultLevel()
    {
        var run = await Samples.RunAsync(Samples.MSTest, ["--neon-isolation", "Shared", "--filter", "ClassName~IsolatedTests"]);

        Assert.AreEqual("Shared", run.RequiredSummary.GetProperty("defaultIsolation").GetString(), run.Output);
        Assert.AreEqual(7, run.TestsAt("Shared"), run.Output);

        // On the shared branch nothing is reset, so the second insert sees the first one's row.
        Assert.IsTrue(run.Outcomes.Where(o => o.Key.StartsWith("Insert_", StringComparison.Ordinal)).Any(o => o.Value == "failed"), run.Output);
    }
}
