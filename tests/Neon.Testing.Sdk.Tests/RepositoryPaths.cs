namespace Neon.Testing.Sdk.Tests;

/// <summary>Where the repository's files are, found from the test assembly's folder.</summary>
internal static class RepositoryPaths
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Neon.Testing.Sdk.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Neon.Testing.Sdk.sln above {AppContext.BaseDirectory}.");
    });

    public static string Root => LazyRoot.Value;

    public static string SdkProject => Path.Combine(Root, "src", "Neon.Testing.Sdk");

    public static string SdkTargets => Path.Combine(SdkProject, "build", "Neon.Testing.Sdk.targets");

    public static string SdkProps => Path.Combine(SdkProject, "build", "Neon.Testing.Sdk.props");

    public static string SdkReadme => Path.Combine(SdkProject, "README.md");

    public static string Packages => Path.Combine(Root, "artifacts", "packages");

    /// <summary>The product version, from Directory.Build.props.</summary>
    public static string Version
    {
        get
        {
            var text = File.ReadAllText(Path.Combine(Root, "Directory.Build.props"));
            var start = text.IndexOf("<VersionPrefix>", StringComparison.Ordinal) + "<VersionPrefix>".Length;
            return text[start..text.IndexOf("</VersionPrefix>", start, StringComparison.Ordinal)].Trim();
        }
    }
}
