namespace Neon.Testing.Sdk.Tests.EndToEnd;

/// <summary>
/// The projects users write: the SDK, a property or two, and tests that only read DATABASE_URL.
/// Every test inserts a row and expects to see the migration's seed row and its own row, nothing more,
/// so a database shared with another test or another run fails it. E2E_FAIL=1 makes a test fail
/// on purpose; E2E_EXPECT_DISABLED=1 makes it expect no database at all.
/// </summary>
internal static class ProjectTemplates
{
    /// <summary>Migrations every project uses: one table with one seed row.</summary>
    public const string Schema = """
        CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);
        INSERT INTO items (name) VALUES ('seed');
        """;

    /// <summary>Test-framework-neutral check, called by every framework's test.</summary>
    public const string Check = """
        using Npgsql;

        namespace E2E;

        public static class DatabaseCheck
        {
            public static async Task<string?> RunAsync(string test)
            {
                // E2E_USE_API=1: the test's own database from the API (what parallel tests use), read by reflection
                // so that projects without Neon.Testing compile too.
                var connectionString = Environment.GetEnvironmentVariable("E2E_USE_API") == "1"
                    ? (string?)Type.GetType("Neon.Testing.NeonDatabase, Neon.Testing", throwOnError: true)!.GetProperty("ConnectionString")!.GetValue(null)
                    : Environment.GetEnvironmentVariable("DATABASE_URL");
                if (Environment.GetEnvironmentVariable("E2E_EXPECT_DISABLED") == "1")
                {
                    return string.IsNullOrEmpty(connectionString) ? null : "DATABASE_URL is set although Neon is disabled";
                }

                if (string.IsNullOrEmpty(connectionString))
                {
                    return "DATABASE_URL is not set";
                }

                var expectedName = Environment.GetEnvironmentVariable("E2E_CONNECTION_STRING_NAME");
                if (!string.IsNullOrEmpty(expectedName) && Environment.GetEnvironmentVariable("ConnectionStrings__" + expectedName) != Environment.GetEnvironmentVariable("DATABASE_URL"))
                {
                    return "ConnectionStrings__" + expectedName + " does not match DATABASE_URL";
                }

                await using var dataSource = NpgsqlDataSource.Create(connectionString);
                await using (var insert = dataSource.CreateCommand("INSERT INTO items (name) VALUES ($1)"))
                {
                    insert.Parameters.AddWithValue(test);
                    await insert.ExecuteNonQueryAsync();
                }

                await using var count = dataSource.CreateCommand("SELECT string_agg(name, ',' ORDER BY id) FROM items");
                var rows = (string?)await count.ExecuteScalarAsync();
                if (rows != "seed," + test)
                {
                    return $"expected the seed row and this test's row, found: {rows}";
                }

                return Environment.GetEnvironmentVariable("E2E_FAIL") == "1" ? "asked to fail (E2E_FAIL=1)" : null;
            }
        }
        """;

    /// <summary>A classic VSTest project: xUnit v2 on Microsoft.NET.Test.Sdk. The tasks own the session here.</summary>
    public static IReadOnlyDictionary<string, string> VSTestXunit2(string name) => new Dictionary<string, string>
    {
        [$"{name}.csproj"] = """
            <Project Sdk="Microsoft.NET.Sdk">
              <Sdk Name="Neon.Testing.Sdk" Version="$(E2EVersion)" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <NeonMigrations>sql</NeonMigrations>
                <NeonConnectionStringName>Main</NeonConnectionStringName>
                <!-- No cached template: the run leaves nothing on the shared cluster. -->
                <NeonMigrationCacheExpiry>0</NeonMigrationCacheExpiry>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.0.1" />
                <PackageReference Include="xunit" Version="2.9.3" />
                <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
                <PackageReference Include="Npgsql" Version="10.0.0" />
              </ItemGroup>
            </Project>
            """,
        ["sql/001_items.sql"] = Schema,
        ["DatabaseCheck.cs"] = Check,
        ["ItemTests.cs"] = """
            namespace E2E;

            public class ItemTests
            {
                [Xunit.Fact]
                public async Task Database_HoldsTheSeedAndThisRunsRow()
                {
                    var problem = await DatabaseCheck.RunAsync("xunit2");
                    Xunit.Assert.True(problem is null, problem);
                }
            }
            """,
    };

    /// <summary>MSTest on Microsoft.Testing.Platform: the SDK adds the MTP extension, which owns the session.</summary>
    public static IReadOnlyDictionary<string, string> MSTest(string name) => MtpProject(name, """
            <EnableMSTestRunner>true</EnableMSTestRunner>
        """, """
            <PackageReference Include="MSTest.TestFramework" Version="4.5.2" />
            <PackageReference Include="MSTest.TestAdapter" Version="4.5.2" />
        """, """
            namespace E2E;

            [TestClass]
            public sealed class ItemTests
            {
                [TestMethod]
                public async Task First_SeesOnlyTheSeedAndItsOwnRow() => Assert.IsNull(await DatabaseCheck.RunAsync("first"));

                [TestMethod]
                public async Task Second_SeesOnlyTheSeedAndItsOwnRow() => Assert.IsNull(await DatabaseCheck.RunAsync("second"));
            }
            """);

    /// <summary>NUnit on Microsoft.Testing.Platform: the MTP extension and the NUnit adapter's generated assembly attribute.</summary>
    public static IReadOnlyDictionary<string, string> NUnit(string name) => MtpProject(name, """
            <EnableNUnitRunner>true</EnableNUnitRunner>
        """, """
            <PackageReference Include="NUnit" Version="4.4.0" />
            <PackageReference Include="NUnit3TestAdapter" Version="6.3.1" />
        """, """
            using NUnit.Framework;

            namespace E2E;

            public sealed class ItemTests
            {
                [Test]
                public async Task First_SeesOnlyTheSeedAndItsOwnRow() => Assert.That(await DatabaseCheck.RunAsync("first"), Is.Null);

                [Test]
                public async Task Second_SeesOnlyTheSeedAndItsOwnRow() => Assert.That(await DatabaseCheck.RunAsync("second"), Is.Null);
            }
            """);

    /// <summary>NUnit on classic VSTest: the SDK adds the NUnit adapter, whose attribute owns the session in the test host; the tasks stay out.</summary>
    public static IReadOnlyDictionary<string, string> NUnitVSTest(string name)
    {
        var files = NUnit(name).ToDictionary();
        files[$"{name}.csproj"] = files[$"{name}.csproj"]
            .Replace("<OutputType>Exe</OutputType>", "", StringComparison.Ordinal)
            .Replace("<EnableNUnitRunner>true</EnableNUnitRunner>", "", StringComparison.Ordinal)
            .Replace("<PackageReference Include=\"NUnit\"", "<PackageReference Include=\"Microsoft.NET.Test.Sdk\" Version=\"18.0.1\" />\n    <PackageReference Include=\"NUnit\"", StringComparison.Ordinal);
        return files;
    }

    /// <summary>xUnit v3 (its MTP 1.x runner): the SDK adds the xUnit adapter and its generated assembly attribute.</summary>
    public static IReadOnlyDictionary<string, string> XunitV3(string name) => MtpProject(name, """
            <UseMicrosoftTestingPlatformRunner>true</UseMicrosoftTestingPlatformRunner>
        """, """
            <PackageReference Include="xunit.v3.mtp-v1" Version="3.2.2" />
        """, """
            namespace E2E;

            public sealed class ItemTests
            {
                [Xunit.Fact]
                public async Task First_SeesOnlyTheSeedAndItsOwnRow() => Xunit.Assert.Null(await DatabaseCheck.RunAsync("first"));

                [Xunit.Fact]
                public async Task Second_SeesOnlyTheSeedAndItsOwnRow() => Xunit.Assert.Null(await DatabaseCheck.RunAsync("second"));
            }
            """);

    private static Dictionary<string, string> MtpProject(string name, string properties, string packages, string tests) => new()
    {
        [$"{name}.csproj"] = $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Sdk Name="Neon.Testing.Sdk" Version="$(E2EVersion)" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>Exe</OutputType>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
            {properties}
                <NeonMigrations>sql</NeonMigrations>
                <!-- No cached template: the run leaves nothing on the shared cluster. -->
                <NeonMigrationCacheExpiry>0</NeonMigrationCacheExpiry>
                <!-- The registry mirror here lacks some exact dependency versions; newer ones resolve. -->
                <NoWarn>$(NoWarn);NU1603</NoWarn>
              </PropertyGroup>
              <ItemGroup>
            {packages}
                <PackageReference Include="Npgsql" Version="10.0.0" />
              </ItemGroup>
            </Project>
            """,
        ["sql/001_items.sql"] = Schema,
        ["DatabaseCheck.cs"] = Check,
        ["ItemTests.cs"] = tests,
    };
}
