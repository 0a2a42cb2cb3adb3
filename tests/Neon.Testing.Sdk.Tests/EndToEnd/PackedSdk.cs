using System.Text.Json.Nodes;

namespace Neon.Testing.Sdk.Tests.EndToEnd;

/// <summary>
/// The SDK as users get it: every package packed by <c>eng/pack.sh</c> into <c>artifacts/packages</c>,
/// consumed by version from fresh projects in a temp folder, with a NuGet.config pointing at that folder
/// and nuget.org, and a NUGET_PACKAGES folder of its own so no stale copy of a package ever leaks in.
/// </summary>
internal sealed class PackedSdk
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PackedSdk? _instance;

    private PackedSdk(string root, string version)
    {
        Root = root;
        Version = version;
        NuGetPackages = Path.Combine(root, "nuget-packages");
        Directory.CreateDirectory(NuGetPackages);
    }

    /// <summary>Temp folder holding every end-to-end project and the package cache; deleted by <see cref="DeleteAll"/>.</summary>
    public string Root { get; }

    public string Version { get; }

    public string NuGetPackages { get; }

    /// <summary>How long packing took, for the run's log.</summary>
    public TimeSpan PackTime { get; private set; }

    /// <summary>Environment of every child process: our package cache, no lingering MSBuild nodes, a local session.</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        ["NUGET_PACKAGES"] = NuGetPackages,
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["TERM"] = "dumb",
        // Branch names must come from each project's own git branch, which scopes what a test may look at.
        ["GITHUB_HEAD_REF"] = null,
        ["GITHUB_REF_NAME"] = null,
        ["CI_COMMIT_REF_NAME"] = null,
        ["BUILD_SOURCEBRANCHNAME"] = null,
        ["GITHUB_REF"] = null,
        ["CI_MERGE_REQUEST_IID"] = null,
        ["SYSTEM_PULLREQUEST_PULLREQUESTNUMBER"] = null,
        ["GITHUB_STEP_SUMMARY"] = null,
        // Always the local provider, with the project's own settings.
        ["NEON_API_KEY"] = null,
        ["NEON_PROJECT_ID"] = null,
        ["NEON_PROVIDER"] = null,
        ["NEON_KEEP_BRANCHES"] = null,
        // Failed tests' branches outlive the run by design (Platform.Tests cover that); here every run must leave nothing.
        ["NEON_KEEP_FAILED_BRANCHES"] = "0",
        ["NEON_ENABLED"] = null,
        ["DATABASE_URL"] = null,
    };

    /// <summary>Packs once per test run (set NEON_E2E_SKIP_PACK=1 to reuse artifacts/packages while iterating).</summary>
    public static async Task<PackedSdk> GetAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_instance is not null)
            {
                return _instance;
            }

            var root = Directory.CreateTempSubdirectory("neon-sdk-e2e-").FullName;
            var sdk = new PackedSdk(root, RepositoryPaths.Version);
            if (System.Environment.GetEnvironmentVariable("NEON_E2E_SKIP_PACK") != "1")
            {
                var started = System.Diagnostics.Stopwatch.StartNew();
                var pack = await DotNet.RunAsync("bash", ["eng/pack.sh"], RepositoryPaths.Root, sdk.Environment, TimeSpan.FromMinutes(8));
                sdk.PackTime = started.Elapsed;
                if (pack.ExitCode != 0)
                {
                    Directory.Delete(root, recursive: true);
                    throw new InvalidOperationException("eng/pack.sh failed:\n" + pack.Output);
                }
            }

            return _instance = sdk;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Deletes the temp folder (projects and package cache).</summary>
    public static void DeleteAll()
    {
        if (_instance is not null && Directory.Exists(_instance.Root))
        {
            Directory.Delete(_instance.Root, recursive: true);
        }

        _instance = null;
    }

    /// <summary>A NuGet.config with the packed folder (for Neon.Testing.* only) and nuget.org.</summary>
    public string NuGetConfig() => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="neon" value="{RepositoryPaths.Packages}" />
            <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
          </packageSources>
          <packageSourceMapping>
            <packageSource key="neon">
              <package pattern="Neon.Testing" />
              <package pattern="Neon.Testing.*" />
            </packageSource>
            <packageSource key="nuget.org">
              <package pattern="*" />
            </packageSource>
          </packageSourceMapping>
        </configuration>
        """;

    /// <summary>The repository's global.json (same SDK), with or without the MTP test runner.</summary>
    public static string GlobalJson(bool microsoftTestingPlatform)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "global.json")))!.AsObject();
        if (!microsoftTestingPlatform)
        {
            json.Remove("test");
        }

        return json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }
}
