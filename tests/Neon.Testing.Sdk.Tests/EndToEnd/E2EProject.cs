using System.Security.Cryptography;

namespace Neon.Testing.Sdk.Tests.EndToEnd;

/// <summary>
/// A fresh test project in its own temp folder, using the SDK only by package version. The folder is
/// a git repository on a random branch, so every branch the project's sessions create is named
/// <c>neon-testing/e2e&lt;random&gt;-...</c> and the test can find exactly what this project left.
/// </summary>
internal sealed class E2EProject : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(4);
    private readonly PackedSdk _sdk;

    private E2EProject(PackedSdk sdk, string name, string directory, string gitBranch)
    {
        _sdk = sdk;
        Name = name;
        Directory = directory;
        GitBranch = gitBranch;
    }

    public string Name { get; }

    public string Directory { get; }

    public string GitBranch { get; }

    /// <summary>The start of every database, role and branch name this project's sessions create.</summary>
    public string BranchPrefix => $"neon-testing/{GitBranch}-";

    /// <summary>The built test executable (MTP apps).</summary>
    public string Executable => Path.Combine(Directory, "bin", "Debug", "net10.0", Name);

    /// <summary>Writes the project (files keyed by relative path), its global.json and NuGet.config, and a git repository.</summary>
    public static async Task<E2EProject> CreateAsync(string name, IReadOnlyDictionary<string, string> files, bool microsoftTestingPlatform)
    {
        var sdk = await PackedSdk.GetAsync();
        var gitBranch = "e2e" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var directory = Path.Combine(sdk.Root, $"{name}-{gitBranch}");
        System.IO.Directory.CreateDirectory(directory);
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(directory, path);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, text.Replace("$(E2EVersion)", sdk.Version, StringComparison.Ordinal));
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "global.json"), PackedSdk.GlobalJson(microsoftTestingPlatform));
        await File.WriteAllTextAsync(Path.Combine(directory, "NuGet.config"), sdk.NuGetConfig());
        var git = await DotNet.RunAsync("git", ["init", "-q", "-b", gitBranch], directory, sdk.Environment, TimeSpan.FromSeconds(30));
        if (git.ExitCode != 0)
        {
            throw new InvalidOperationException("git init failed: " + git);
        }

        return new E2EProject(sdk, name, directory, gitBranch);
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> in the project folder.</summary>
    public Task<DotNet.Result> DotNetAsync(string[] arguments, IReadOnlyDictionary<string, string?>? environment = null) =>
        RunAsync("dotnet", arguments, environment);

    /// <summary>Runs a program (the built test executable) in the project folder.</summary>
    public Task<DotNet.Result> RunAsync(string fileName, string[] arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var merged = new Dictionary<string, string?>(_sdk.Environment);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }

        return DotNet.RunAsync(fileName, arguments, Directory, merged, CommandTimeout);
    }

    /// <summary>Databases and roles this project's sessions left on the cluster.</summary>
    public Task<IReadOnlyList<string>> LeftoversAsync() => ClusterDatabases.ListAsync(BranchPrefix);

    /// <summary>Drops whatever this project's sessions left and deletes the folder.</summary>
    public async ValueTask DisposeAsync()
    {
        await ClusterDatabases.DropAsync(BranchPrefix);
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
