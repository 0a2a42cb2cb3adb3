using System.Text.RegularExpressions;

namespace Neon.Testing.Sdk.Tests.EndToEnd;

/// <summary>
/// A project as <c>dotnet new mstest|nunit|xunit</c> creates it, with only what a user adds: the SDK line,
/// Npgsql, a migrations folder and tests that insert a row and expect the seed row and their own, nothing more
/// (<see cref="ProjectTemplates.Check"/>). Optionally with the framework packages lifted to other versions.
/// </summary>
internal static partial class TemplateProject
{
    /// <summary>Creates the project from the installed template; <paramref name="versions"/> replaces package versions (id → version).</summary>
    public static async Task<E2EProject> CreateAsync(string template, string name, string tests, IReadOnlyDictionary<string, string>? versions = null, bool microsoftTestingPlatform = false, string? extraProperties = null)
    {
        var project = await E2EProject.CreateAsync(name, new Dictionary<string, string>
        {
            ["sql/001_items.sql"] = ProjectTemplates.Schema,
            ["DatabaseCheck.cs"] = ProjectTemplates.Check,
        }, microsoftTestingPlatform);
        var created = await project.DotNetAsync(["new", template, "--name", name, "--output", ".", "--no-restore", "--force"]);
        if (created.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet new {template} failed: {created}");
        }

        foreach (var sample in new[] { "UnitTest1.cs", "Test1.cs" })
        {
            File.Delete(Path.Combine(project.Directory, sample));
        }

        await File.WriteAllTextAsync(Path.Combine(project.Directory, "ItemTests.cs"), tests);
        var csproj = Path.Combine(project.Directory, $"{name}.csproj");
        var text = await File.ReadAllTextAsync(csproj);
        foreach (var (id, version) in versions ?? new Dictionary<string, string>())
        {
            text = Regex.Replace(text, $"""<PackageReference Include="{Regex.Escape(id)}" Version="[^"]*" />""", $"""<PackageReference Include="{id}" Version="{version}" />""");
        }

        // What the user adds: the SDK line, and what the tests themselves need.
        text = text.Replace("<Project Sdk=\"Microsoft.NET.Sdk\">", $"<Project Sdk=\"Microsoft.NET.Sdk\">\n  <Sdk Name=\"Neon.Testing.Sdk\" Version=\"{RepositoryPaths.Version}\" />", StringComparison.Ordinal);
        text = text.Replace("</Project>", $"""
              <PropertyGroup>
                <NeonMigrations>sql</NeonMigrations>
                <!-- No cached template: the run leaves nothing on the shared cluster. -->
                <NeonMigrationCacheExpiry>0</NeonMigrationCacheExpiry>
                <NoWarn>$(NoWarn);NU1603</NoWarn>
                {extraProperties}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Npgsql" Version="10.0.0" />
              </ItemGroup>
            </Project>
            """, StringComparison.Ordinal);
        await File.WriteAllTextAsync(csproj, text);
        return project;
    }

    /// <summary>Tests of one class, each checking its database; <paramref name="attribute"/> marks a test in the framework's way.</summary>
    public static string Tests(string usings, string classAttribute, string attribute, string assertNull, int count) => $$"""
        {{usings}}

        namespace E2E;

        {{classAttribute}}
        public sealed class ItemTests
        {
        {{string.Join("\n", Enumerable.Range(1, count).Select(i => $"    {attribute} public async Task Test{i}() => {string.Format(assertNull, $"await DatabaseCheck.RunAsync(\"test{i}\")")};"))}}
        }
        """;

    public static string MSTestTests(int count = 4) => Tests("", "[TestClass]", "[TestMethod]", "Assert.IsNull({0})", count);

    public static string NUnitTests(int count = 4) => Tests("", "", "[Test]", "Assert.That({0}, Is.Null)", count);

    public static string XunitTests(int count = 4) => Tests("", "", "[Fact]", "Assert.Null({0})", count);

    /// <summary>The numbers of the VSTest console summary line (<c>Failed: 0, Passed: 4, ...</c>), or MTP's (<c>failed: 0, succeeded: 4</c>).</summary>
    public static (int Failed, int Passed, int Total) Totals(string output)
    {
        var vstest = VSTestTotals().Match(output);
        if (vstest.Success)
        {
            return (int.Parse(vstest.Groups[1].Value), int.Parse(vstest.Groups[2].Value), int.Parse(vstest.Groups[3].Value));
        }

        var mtp = PlatformTotals().Match(output);
        return mtp.Success
            ? (int.Parse(mtp.Groups[2].Value), int.Parse(mtp.Groups[3].Value), int.Parse(mtp.Groups[1].Value))
            : (-1, -1, -1);
    }

    [GeneratedRegex(@"Failed:\s+(\d+), Passed:\s+(\d+), Skipped:\s+\d+, Total:\s+(\d+)")]
    private static partial Regex VSTestTotals();

    [GeneratedRegex(@"total:\s+(\d+)\s+failed:\s+(\d+)\s+succeeded:\s+(\d+)", RegexOptions.Singleline)]
    private static partial Regex PlatformTotals();
}
