namespace Neon.Testing.Sdk.Tests.EndToEnd;

/// <summary>
/// The usual EF Core setup: an app library with a DbContext and its migrations, and an MSTest-on-MTP project that
/// references it and nothing else database-related: no SQL, no command. EF Core reaches the tests only through
/// the project reference, so the build first says NEON2004 with the fix; with <c>NeonDbContext</c> set, the SDK adds
/// Neon.Testing.EntityFrameworkCore and every test starts from the migrated, empty table.
/// </summary>
[TestClass]
public sealed class EfCoreTests
{
    private const string Name = "EfCoreApp.Tests";

    private static string TestSupport(params string[] parts) => Path.Combine([RepositoryPaths.Root, "tests", "Neon.Testing.EntityFrameworkCore.Tests", .. parts]);

    /// <summary>The app: the EF tests' ShopContext with its dotnet-ef migration, copied as an app would hold them.</summary>
    private static Dictionary<string, string> Files()
    {
        var files = new Dictionary<string, string>
        {
            ["App/App.csproj"] = """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                    <NoWarn>$(NoWarn);NU1603</NoWarn>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Npgsql.EntityFrameworkCore.PostgreSQL" Version="10.0.3" />
                  </ItemGroup>
                </Project>
                """,
            ["App/Product.cs"] = File.ReadAllText(TestSupport("Models", "Product.cs")),
            ["App/ShopContext.cs"] = File.ReadAllText(TestSupport("Models", "ShopContext.cs")),
            [$"{Name}.csproj"] = """
                <Project Sdk="Microsoft.NET.Sdk">
                  <Sdk Name="Neon.Testing.Sdk" Version="$(E2EVersion)" />
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <OutputType>Exe</OutputType>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                    <EnableMSTestRunner>true</EnableMSTestRunner>
                    <!-- No cached template: the run leaves nothing on the shared cluster. -->
                    <NeonMigrationCacheExpiry>0</NeonMigrationCacheExpiry>
                    <NoWarn>$(NoWarn);NU1603</NoWarn>
                  </PropertyGroup>
                  <ItemGroup>
                    <Compile Remove="App/**" />
                    <PackageReference Include="MSTest.TestFramework" Version="4.5.2" />
                    <PackageReference Include="MSTest.TestAdapter" Version="4.5.2" />
                    <ProjectReference Include="App/App.csproj" />
                  </ItemGroup>
                </Project>
                """,
            ["ProductTests.cs"] = """
                using Microsoft.EntityFrameworkCore;
                using Neon.Testing.EntityFrameworkCore.Tests.Models;

                namespace E2E;

                [TestClass]
                public sealed class ProductTests
                {
                    private static ShopContext Open() =>
                        new(new DbContextOptionsBuilder<ShopContext>().UseNpgsql(Environment.GetEnvironmentVariable("DATABASE_URL")).Options);

                    private static async Task AddOneAndExpectOnlyItAsync(string sku)
                    {
                        await using var db = Open();
                        db.Products.Add(new Product { Sku = sku });
                        await db.SaveChangesAsync();
                        CollectionAssert.AreEqual(new[] { sku }, await db.Products.Select(p => p.Sku).ToArrayAsync());
                    }

                    [TestMethod]
                    public Task First_StartsFromTheMigratedEmptyTable() => AddOneAndExpectOnlyItAsync("first");

                    [TestMethod]
                    public Task Second_StartsFromTheMigratedEmptyTable() => AddOneAndExpectOnlyItAsync("second");
                }
                """,
        };
        foreach (var file in Directory.GetFiles(TestSupport("Migrations", "Shop"), "*.cs"))
        {
            files[$"App/Migrations/{Path.GetFileName(file)}"] = File.ReadAllText(file);
        }

        return files;
    }

    [TestMethod]
    public async Task AnAppsDbContext_MigratesTheSession_WithNoSqlAndNoCommand()
    {
        await using var project = await E2EProject.CreateAsync(Name, Files(), microsoftTestingPlatform: true);

        var warned = await project.DotNetAsync(["build"]);
        Assert.AreEqual(0, warned.ExitCode, warned.ToString());
        StringAssert.Contains(warned.Output, "warning NEON2004", "EF Core only through the app: the build names the fix");
        StringAssert.Contains(warned.Output, "<NeonDbContext>YourDbContext</NeonDbContext>");

        var build = await project.DotNetAsync(["build", "-p:NeonDbContext=ShopContext"]);
        Assert.AreEqual(0, build.ExitCode, build.ToString());
        Assert.DoesNotContain("NEON2004", build.Output, "the SDK added Neon.Testing.EntityFrameworkCore");

        var run = await project.DotNetAsync(["test", "--no-build"]);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        CollectionAssert.AreEqual(Array.Empty<string>(), (await project.LeftoversAsync()).ToArray(), "the run left branches behind");
    }
}
