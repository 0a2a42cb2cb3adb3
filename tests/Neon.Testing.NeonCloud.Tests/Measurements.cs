namespace Neon.Testing.NeonCloud.Tests;

/// <summary>Numbers worth reading after a run (API calls, retries, waits): the test output, and one file in the results folder.</summary>
internal static class Measurements
{
    private static readonly Lock Gate = new();

    /// <summary><c>TestResults/neon-session-measurements.txt</c> beside the test assembly.</summary>
    public static string FilePath { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "neon-session-measurements.txt");

    public static void Record(TestContext context, string line)
    {
        context.WriteLine(line);
        lock (Gate)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            File.AppendAllText(FilePath, $"{DateTimeOffset.Now:u} {context.TestName}: {line}{Environment.NewLine}");
        }
    }
}
