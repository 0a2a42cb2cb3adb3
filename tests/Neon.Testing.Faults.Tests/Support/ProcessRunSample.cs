using System.Reflection;

namespace Neon.Testing.Faults.Tests.Support;

/// <summary>
/// The sample MSTest app (tests/Samples/Neon.Samples.MSTest, built with this project) started as a fault case's child:
/// as its own test executable, or under <c>dotnet test</c>. It runs against <see cref="TestPostgres"/>'s cluster
/// unless the environment says otherwise.
/// </summary>
public static class ProcessRunSample
{
    public const string Name = "Neon.Samples.MSTest";

    private static string Metadata(string key) =>
        typeof(ProcessRunSample).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public static string RepositoryRoot => Path.GetFullPath(Metadata("RepositoryRoot"));

    /// <summary>The migrations the sample applies (its neon-testing.json names them).</summary>
    public static string SqlFolder => Path.GetFullPath(Path.Combine(Metadata("SamplesRoot"), "sql"));

    public static string AssemblyPath => Path.GetFullPath(Path.Combine(Metadata("SamplesRoot"), Name, "bin", Metadata("SamplesConfiguration"), "net10.0", Name + ".dll"));

    /// <summary>The sample's environment: the suite's cluster, nothing kept on failure, plus <paramref name="extra"/>.</summary>
    public static Dictionary<string, string?> Environment(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["NEON_LOCAL_DATA_DIR"] = TestPostgres.RootDirectory,
            ["NEON_KEEP_FAILED_BRANCHES"] = "0",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>Starts the test executable (<c>dotnet Neon.Samples.MSTest.dll</c>) with <paramref name="arguments"/>; results go to <paramref name="resultsDirectory"/>.</summary>
    public static ProcessRun StartTestApp(string resultsDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null) =>
        ProcessRun.Start(
            "dotnet",
            new[] { AssemblyPath, "--results-directory", resultsDirectory, "--output", "detailed", "--no-ansi", "--progress", "off" }.Concat(arguments),
            Environment(environment),
            Path.GetDirectoryName(AssemblyPath)!);

    /// <summary>Starts <c>dotnet test --test-modules</c> on the sample (from the repository, whose global.json selects the testing platform).</summary>
    public static ProcessRun StartDotnetTest(string resultsDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null) =>
        ProcessRun.Start(
            "dotnet",
            new[] { "test", "--root-directory", Path.GetDirectoryName(AssemblyPath)!, "--test-modules", Path.GetFileName(AssemblyPath), "--results-directory", resultsDirectory, "--no-ansi", "--no-progress", "--output", "Detailed" }.Concat(arguments),
            Environment(environment),
            RepositoryRoot);
}
