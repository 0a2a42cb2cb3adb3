using System.Text.Json;
using System.Text.RegularExpressions;

namespace Neon.Testing.Platform.Tests;

/// <summary>What one run of a sample app printed, returned and wrote.</summary>
public sealed partial class SampleRun
{
    public SampleRun(int exitCode, string output, string resultsDirectory)
    {
        ExitCode = exitCode;
        Output = output;
        // One summary per test assembly: neon-testing-summary.<assembly>.json and .txt.
        var summary = Directory.GetFiles(resultsDirectory, "neon-testing-summary.*.json").SingleOrDefault();
        Summary = summary is null ? null : JsonDocument.Parse(File.ReadAllText(summary)).RootElement;
        var text = Directory.GetFiles(resultsDirectory, "neon-testing-summary.*.txt").SingleOrDefault();
        SummaryText = text is null ? null : File.ReadAllText(text);
        foreach (Match match in ResultLine().Matches(output))
        {
            var name = match.Groups[2].Value;
            var outcome = match.Groups[1].Value;

            // A test the extension failed after it passed is reported twice: failed wins.
            if (!Outcomes.TryGetValue(name, out var previous) || previous != "failed")
            {
                Outcomes[name] = outcome;
            }
        }
    }

    public int ExitCode { get; }

    public string Output { get; }

    public JsonElement? Summary { get; }

    /// <summary>The readable summary file, or <see langword="null"/> when none was written.</summary>
    public string? SummaryText { get; }

    /// <summary>Outcome by test name as the runner printed it (method name, or full name for xUnit).</summary>
    public Dictionary<string, string> Outcomes { get; } = new(StringComparer.Ordinal);

    public string OutcomeOf(string test)
    {
        var match = Outcomes.Where(o => o.Key == test || o.Key.EndsWith("." + test, StringComparison.Ordinal)).Select(o => o.Value).FirstOrDefault();
        return match ?? $"not run (output:{Environment.NewLine}{Output})";
    }

    public JsonElement RequiredSummary => Summary ?? throw new AssertFailedException($"No summary JSON was written. Output:{Environment.NewLine}{Output}");

    public int TestsAt(string level) =>
        RequiredSummary.GetProperty("testsByLevel").TryGetProperty(level, out var count) ? count.GetInt32() : 0;

    [GeneratedRegex(@"^\s*(passed|failed|skipped) (\S+)", RegexOptions.Multiline)]
    private static partial Regex ResultLine();
}
