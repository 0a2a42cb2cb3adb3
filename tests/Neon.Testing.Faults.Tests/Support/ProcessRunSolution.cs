using System.Globalization;
using System.Text;

namespace Neon.Testing.Faults.Tests.Support;

/// <summary>
/// A generated solution of four MSTest projects on the testing platform, built from this repository's Neon.Testing
/// projects: three share one migration folder and the fourth has its own (with a table the others lack). Every test
/// asserts it sees only its own rows and the right schema, so any cross-talk fails a test. Lives under artifacts/ so
/// the repository's central package versions apply; disposing deletes it.
/// </summary>
public sealed class ProcessRunSolution : IDisposable
{
    public const int Projects = 4;
    public const int TestsPerProject = 6;

    private ProcessRunSolution(string directory) => Directory = directory;

    public string Directory { get; }

    public string SolutionFile => Path.Combine(Directory, "Concurrent.slnx");

    /// <summary>Writes and builds the solution; throws with the build's output when it fails.</summary>
    public static async Task<ProcessRunSolution> CreateAsync()
    {
        var root = ProcessRunSample.RepositoryRoot;
        var directory = Path.Combine(root, "artifacts", "faults-work", "concurrent-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        var solution = new ProcessRunSolution(directory);

        // A comment unique to this solution: its fingerprints are new, so the first run migrates and later ones reuse.
        var salt = Guid.NewGuid().ToString("N");
        Write(directory, "sql-shared/001_items.sql", $"-- {salt}\nCREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);\n");
        Write(directory, "sql-own/001_items.sql", $"-- {salt}\nCREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);\nCREATE TABLE own_only (id int);\n");

        var slnx = new StringBuilder("<Solution>\n");
        for (var number = 1; number <= Projects; number++)
        {
            var name = $"Concurrent.P{number}";
            var sql = number == Projects ? "sql-own" : "sql-shared";
            Write(directory, $"{name}/{name}.csproj", $$"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <EnableMSTestRunner>true</EnableMSTestRunner>
                    <IsPackable>false</IsPackable>
                  </PropertyGroup>
                  <Import Project="{{root}}src/Neon.Testing.Platform/buildMultiTargeting/Neon.Testing.Platform.props" />
                  <ItemGroup>
                    <PackageReference Include="MSTest.TestFramework" />
                    <PackageReference Include="MSTest.TestAdapter" />
                    <PackageReference Include="Npgsql" />
                    <ProjectReference Include="{{root}}src/Neon.Testing.Platform/Neon.Testing.Platform.csproj" />
                    <ProjectReference Include="{{root}}src/Neon.Testing.MSTest/Neon.Testing.MSTest.csproj" />
                    <Compile Include="{{root}}tests/Samples/NeonTestingHooks.MSTest.cs" />
                    <None Include="neon-testing.json" CopyToOutputDirectory="PreserveNewest" />
                  </ItemGroup>
                </Project>
                """);
            Write(directory, $"{name}/neon-testing.json", $$"""{ "NeonProvider": "Local", "NeonMigrations": "{{Path.Combine(directory, sql)}}", "NeonWorkingDirectory": "{{Path.Combine(directory, name)}}", "NeonBranchExpiry": "600" }""");
            Write(directory, $"{name}/OwnDataTests.cs", Tests(name, hasOwnTable: number == Projects));
            slnx.Append(CultureInfo.InvariantCulture, $"  <Project Path=\"{name}/{name}.csproj\" />\n");
        }

        Write(directory, "Concurrent.slnx", slnx.Append("</Solution>\n").ToString());
        await using var build = ProcessRun.Start("dotnet", ["build", solution.SolutionFile, "-c", "Debug", "-nologo", "-clp:ErrorsOnly"], new Dictionary<string, string?>(), directory);
        if (!await build.WaitForExitAsync(TimeSpan.FromMinutes(10)) || build.ExitCode != 0)
        {
            throw new AssertFailedException($"The generated solution did not build:{Environment.NewLine}{build.Output}");
        }

        return solution;
    }

    /// <summary>Starts <c>dotnet test</c> on the solution, all four projects at once.</summary>
    public ProcessRun StartTest(string resultsDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        var variables = new Dictionary<string, string?>(environment) { ["NEON_KEEP_FAILED_BRANCHES"] = "0" };
        return ProcessRun.Start(
            "dotnet",
            ["test", "--solution", SolutionFile, "--no-build", "--max-parallel-test-modules", Projects.ToString(CultureInfo.InvariantCulture), "--results-directory", resultsDirectory, "--no-ansi", "--no-progress", "--output", "Detailed"],
            variables,
            Directory);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private static void Write(string directory, string relative, string text)
    {
        var path = Path.Combine(directory, relative);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static string Tests(string project, bool hasOwnTable)
    {
        var rows = string.Concat(Enumerable.Range(1, TestsPerProject).Select(n => $"    [DataRow({n})]\n"));
        return $$"""
            using Npgsql;

            namespace {{project}};

            [TestClass]
            public sealed class OwnDataTests
            {
                [TestMethod]
            {{rows}}    public async Task SeesOnlyItsOwnRows(int number)
                {
                    var me = "{{project}}-" + number;
                    await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable("DATABASE_URL"));
                    await connection.OpenAsync();
                    Assert.AreEqual(0L, await ScalarAsync(connection, "SELECT count(*) FROM items"), "cross-talk: rows of another test are visible");
                    Assert.AreEqual({{(hasOwnTable ? "1L" : "0L")}}, await ScalarAsync(connection, "SELECT count(*) FROM pg_tables WHERE tablename = 'own_only'"), "cross-talk: another project's migrations");
                    await using (var insert = new NpgsqlCommand("INSERT INTO items (name) VALUES ($1)", connection))
                    {
                        insert.Parameters.AddWithValue(me);
                        await insert.ExecuteNonQueryAsync();
                    }

                    Assert.AreEqual(1L, await ScalarAsync(connection, "SELECT count(*) FROM items"), "cross-talk: a row came or went");
                }

                private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
                {
                    await using var command = new NpgsqlCommand(sql, connection);
                    return (long)(await command.ExecuteScalarAsync())!;
                }
            }
            """;
    }
}
