using Neon.Testing.Engine.Migrations;

namespace Neon.Testing.Engine.Tests.Migrations;

/// <summary>NeonMigrationInputs' globs: what they match, what they skip, and a pattern that matches nothing.</summary>
[TestClass]
public sealed class MigrationInputsTests
{
    private string _root = null!;
    private string _project = null!;

    [TestInitialize]
    public void CreateTree()
    {
        _root = Directory.CreateTempSubdirectory("neon-inputs-").FullName;
        _project = Path.Combine(_root, "App.Tests");
        foreach (var file in new[] { "App/App.csproj", "App/Migrations/001_Init.cs", "App/Migrations/Sub/002_More.cs", "App/Migrations/notes.md",
                     "App/obj/Generated.cs", "App/bin/Debug/App.dll", "App.Tests/Tests.cs" })
        {
            var path = Path.Combine(_root, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file);
        }
    }

    [TestCleanup]
    public void RemoveTree() => Directory.Delete(_root, recursive: true);

    private string[] Find(string patterns) => [.. MigrationInputs.Find(patterns, _project).Select(f => f.Relative)];

    [TestMethod]
    public void Globs_AreRelativeToTheProject_StarStaysInAFolder_DoubleStarCrossesFolders()
    {
        CollectionAssert.AreEqual(new[] { "../App/Migrations/001_Init.cs" }, Find("../App/Migrations/*.cs"));
        CollectionAssert.AreEqual(new[] { "../App/App.csproj", "../App/Migrations/001_Init.cs", "../App/Migrations/Sub/002_More.cs" }, Find(" ../App/**/*.cs ; ../App/App.csproj ;"));
    }

    [TestMethod]
    public void Wildcards_SkipBuildOutput_ButANamedFileIsTaken()
    {
        Assert.IsFalse(Find("../App/**").Any(f => f.Contains("/obj/", StringComparison.Ordinal) || f.Contains("/bin/", StringComparison.Ordinal)));
        CollectionAssert.AreEqual(new[] { "../App/obj/Generated.cs" }, Find("../App/obj/Generated.cs"));
    }

    [TestMethod]
    public void AFolder_MeansEverythingUnderIt_AndBangExcludes()
    {
        CollectionAssert.AreEqual(new[] { "../App/Migrations/001_Init.cs", "../App/Migrations/Sub/002_More.cs" }, Find("../App/Migrations;!../App/Migrations/*.md"));
    }

    [TestMethod]
    public void APatternMatchingNothing_IsAnError_NamingIt()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => Find("../App/**/*.cs;../Nope/*.cs"));

        StringAssert.Contains(error.Message, "'../Nope/*.cs'");
    }

    [TestMethod]
    public void NeonMigrationInputs_ThatMatchesNothing_FailsWithItsCodeAndSource()
    {
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => NeonTestingOptions.Parse(
            Neon.Testing.Engine.Configuration.SettingLayer.MSBuild(new Dictionary<string, string?> { [NeonSettings.WorkingDirectory] = _project }),
            Neon.Testing.Engine.Configuration.SettingLayer.Environment(name => name == "NEON_MIGRATION_INPUTS" ? "../App/*.sql" : null)));

        Assert.AreEqual("NEON1020", error.Code);
        StringAssert.Contains(error.Message, "the environment variable NEON_MIGRATION_INPUTS");
        StringAssert.Contains(error.Message, "'../App/*.sql' matches no file");
    }
}
