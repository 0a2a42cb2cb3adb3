namespace Neon.Api.Tests;

/// <summary>
/// Finds the shared reference data (<c>neon-api/v2.json</c>, <c>neon-api/cassettes</c>): the
/// <c>shared</c> folder beside the repository root (the folder holding Neon.Testing.Sdk.sln), or
/// beside the main checkout when the repository is a git worktree. NEON_SHARED_DIR overrides both.
/// </summary>
internal static class SharedData
{
    private static readonly Lazy<string> Folder = new(Locate);

    public static string Directory => Folder.Value;

    public static string NeonApi => Path.Combine(Directory, "neon-api");

    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Neon.Testing.Sdk.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Neon.Testing.Sdk.sln above {AppContext.BaseDirectory}: run the tests from the repository.");
    }

    private static string Locate()
    {
        var overridden = Environment.GetEnvironmentVariable("NEON_SHARED_DIR");
        if (!string.IsNullOrEmpty(overridden))
        {
            return Check(overridden, "NEON_SHARED_DIR");
        }

        var root = RepositoryRoot();
        var sibling = Path.GetFullPath(Path.Combine(root, "..", "shared"));
        if (System.IO.Directory.Exists(sibling))
        {
            return sibling;
        }

        // A worktree's .git is a file: "gitdir: <main>/.git/worktrees/<name>".
        var gitFile = Path.Combine(root, ".git");
        if (File.Exists(gitFile))
        {
            var gitDir = File.ReadAllText(gitFile).Trim();
            if (gitDir.StartsWith("gitdir:", StringComparison.Ordinal))
            {
                var worktreeGitDir = Path.GetFullPath(gitDir["gitdir:".Length..].Trim(), root);
                var mainRoot = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(worktreeGitDir)));
                if (mainRoot is not null)
                {
                    return Check(Path.GetFullPath(Path.Combine(mainRoot, "..", "shared")), "the main checkout's sibling");
                }
            }
        }

        return Check(sibling, "the repository's sibling");
    }

    private static string Check(string folder, string source) =>
        System.IO.Directory.Exists(Path.Combine(folder, "neon-api"))
            ? folder
            : throw new InvalidOperationException($"The shared reference data is not at {folder} ({source}). Set NEON_SHARED_DIR to the folder holding neon-api/.");
}
