using System.Text.Json.Nodes;

namespace Neon.Testing.Sdk.Tests.EndToEnd;

/// <summary>Every way MSBuild lets a project name the SDK works, and so does a PackageReference.</summary>
[TestClass]
public sealed class SdkReferenceFormsTests
{
    private const string SdkElement = """<Sdk Name="Neon.Testing.Sdk" Version="$(E2EVersion)" />""";

    private static Dictionary<string, string> Xunit2(string name, Func<string, string> editProject)
    {
        var files = new Dictionary<string, string>(ProjectTemplates.VSTestXunit2(name));
        files[$"{name}.csproj"] = editProject(files[$"{name}.csproj"]);
        return files;
    }

    [TestMethod]
    public async Task ProjectSdkAttribute_WithTheVersion_BuildsAndWritesTheSettingsFile()
    {
        const string Name = "SdkAttribute";
        await using var project = await E2EProject.CreateAsync(Name, Xunit2(Name, text => text
            .Replace(SdkElement, "", StringComparison.Ordinal)
            .Replace("""<Project Sdk="Microsoft.NET.Sdk">""", """<Project Sdk="Microsoft.NET.Sdk;Neon.Testing.Sdk/$(E2EVersion)">""", StringComparison.Ordinal)), microsoftTestingPlatform: false);

        var build = await project.DotNetAsync(["build", "-p:NeonKeepBranches=true"]);

        Assert.AreEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(await File.ReadAllTextAsync(Path.Combine(project.Directory, "bin", "Debug", "net10.0", "neon-testing.json")), "\"NeonKeepBranches\": true");
        CollectionAssert.AreEqual(Array.Empty<string>(), (await project.LeftoversAsync()).ToArray(), "dotnet build created branches");
    }

    [TestMethod]
    public async Task GlobalJsonMsbuildSdks_SuppliesTheVersion_ToAnSdkElementWithoutOne()
    {
        const string Name = "GlobalJsonSdk";
        await using var project = await E2EProject.CreateAsync(Name, Xunit2(Name, text => text
            .Replace(SdkElement, """<Sdk Name="Neon.Testing.Sdk" />""", StringComparison.Ordinal)), microsoftTestingPlatform: false);
        var globalJson = Path.Combine(project.Directory, "global.json");
        var json = JsonNode.Parse(await File.ReadAllTextAsync(globalJson))!.AsObject();
        json["msbuild-sdks"] = new JsonObject { ["Neon.Testing.Sdk"] = RepositoryPaths.Version };
        await File.WriteAllTextAsync(globalJson, json.ToJsonString());

        var run = await project.DotNetAsync(["test"], new Dictionary<string, string?> { ["E2E_CONNECTION_STRING_NAME"] = "Main" });

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Output, "Neon.Testing: Local provider; branches created 2");
        CollectionAssert.AreEqual(Array.Empty<string>(), (await project.LeftoversAsync()).ToArray());
    }

    [TestMethod]
    public async Task PackageReference_RunsTheVSTestSession_Too()
    {
        const string Name = "PackageReference";
        await using var project = await E2EProject.CreateAsync(Name, Xunit2(Name, text => text
            .Replace(SdkElement, "", StringComparison.Ordinal)
            .Replace("<ItemGroup>", """
                <ItemGroup>
                    <PackageReference Include="Neon.Testing.Sdk" Version="$(E2EVersion)" />
                """, StringComparison.Ordinal)), microsoftTestingPlatform: false);

        var run = await project.DotNetAsync(["test"], new Dictionary<string, string?> { ["E2E_CONNECTION_STRING_NAME"] = "Main" });

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        // Each deleted, or left as a spare of the template for the next run (nothing under the project's prefix, below).
        StringAssert.Matches(run.Output, new System.Text.RegularExpressions.Regex(@"branches created 2, deleted (2|1, left as spares for the next run 1|0, left as spares for the next run 2)\b"));
        CollectionAssert.AreEqual(Array.Empty<string>(), (await project.LeftoversAsync()).ToArray());
    }

    [TestMethod]
    public async Task PackageReference_NamesTheRuntimePackage_ItCannotAdd()
    {
        const string Name = "PackageReferenceMSTest";
        var files = new Dictionary<string, string>(ProjectTemplates.MSTest(Name));
        files[$"{Name}.csproj"] = files[$"{Name}.csproj"]
            .Replace(SdkElement, "", StringComparison.Ordinal)
            .Replace("<ItemGroup>", """
                <ItemGroup>
                    <PackageReference Include="Neon.Testing.Sdk" Version="$(E2EVersion)" />
                """, StringComparison.Ordinal);
        await using var project = await E2EProject.CreateAsync(Name, files, microsoftTestingPlatform: true);

        var build = await project.DotNetAsync(["build"]);

        Assert.AreEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(build.Output, "warning NEON2002");
        StringAssert.Contains(build.Output, "<PackageReference Include=\"Neon.Testing.Platform\"");
        StringAssert.Contains(build.Output, "<PackageReference Include=\"Neon.Testing.MSTest\"");
    }
}
