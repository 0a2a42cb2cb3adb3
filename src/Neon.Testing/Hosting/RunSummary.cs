using System.Globalization;
using System.Text;
using System.Text.Json;
using Neon.Testing.Engine;

namespace Neon.Testing.Hosting;

/// <summary>The end-of-session summary: a few lines for the console and the same numbers as JSON.</summary>
public static class RunSummary
{
    /// <summary>File name of the JSON summary of a run whose test assembly is not known (see <see cref="JsonFileNameFor"/>).</summary>
    public const string FileName = "neon-testing-summary.json";

    /// <summary>File name of the readable summary of a run whose test assembly is not known (see <see cref="TextFileNameFor"/>).</summary>
    public const string TextFileName = "neon-testing-summary.txt";

    /// <summary>
    /// File name of the JSON summary of <paramref name="testAssemblyName"/>'s run, written under the test results
    /// directory: <c>neon-testing-summary.&lt;assembly&gt;.json</c>, one per test assembly, so the projects of a solution
    /// run that share a results directory each keep theirs.
    /// </summary>
    public static string JsonFileNameFor(string? testAssemblyName) => NameFor(FileName, testAssemblyName);

    /// <summary>File name of the readable summary (the console lines) beside the JSON: <c>neon-testing-summary.&lt;assembly&gt;.txt</c>.</summary>
    public static string TextFileNameFor(string? testAssemblyName) => NameFor(TextFileName, testAssemblyName);

    private static string NameFor(string fileName, string? testAssemblyName)
    {
        if (string.IsNullOrWhiteSpace(testAssemblyName))
        {
            return fileName;
        }

        var safe = string.Concat(testAssemblyName.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
        return $"{Path.GetFileNameWithoutExtension(fileName)}.{safe}{Path.GetExtension(fileName)}";
    }

    /// <summary>A few lines for the console.</summary>
    public static string ToText(NeonTestRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var stats = run.Session.Statistics;
        var levels = string.Join(", ", stats.TestsByLevel.OrderBy(l => l.Key).Select(l => $"{l.Key} {l.Value}"));
        var resetsPerformed = Number(stats.ResetsRestored) + Number(stats.ResetsFull);
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"Neon.Testing: {run.Session.ProviderName} provider; branches {stats.DescribeBranches()}");
        builder.Append(run.Options.KeepBranches ? " (kept: NeonKeepBranches)" : "").AppendLine();
        builder.Append(CultureInfo.InvariantCulture, $"  migrations {(run.Session.MigrationsReused ? "reused" : $"ran ({Number(stats.MigrationsApplied)})")}; session start {run.Startup.TotalMilliseconds:0} ms").AppendLine();
        builder.Append(CultureInfo.InvariantCulture, $"  tests by level: {(levels.Length == 0 ? "none" : levels)}").AppendLine();
        builder.Append(CultureInfo.InvariantCulture, $"  resets: {resetsPerformed} performed ({Number(stats.ResetsRestored)} restored, {Number(stats.ResetsFull)} full), {Number(stats.ResetsClean)} skipped clean");
        var tests = stats.TestsByLevel.Values.Sum();
        var perTest = tests switch
        {
            0 => "",
            1 => string.Create(CultureInfo.InvariantCulture, $" ({run.IsolatingTime.TotalMilliseconds:0.0} ms per test)"),
            // The first test pays what a run does once (attaching change tracking, compiling the reset): said apart, a
            // three-test suite's mean no longer reads as what each test costs.
            _ => string.Create(CultureInfo.InvariantCulture, $" (the first test {run.FirstTestIsolatingTime.TotalMilliseconds:0} ms, one-time start-up included; then {AfterFirst(run, tests):0.0} ms per test)"),
        };
        builder.Append(CultureInfo.InvariantCulture, $"; isolating took {run.IsolatingTime.TotalMilliseconds:0} ms{perTest}; API calls {Number(stats.ApiCalls)}");
        if (stats.TurnsWaited > 0)
        {
            builder.AppendLine().Append(CultureInfo.InvariantCulture, $"  {TurnsTaken(run)}");
        }

        if (stats.TurnsSkipped > 0)
        {
            builder.AppendLine().Append(CultureInfo.InvariantCulture, $"  warning: {TurnsSkipped(run)}");
        }

        if (stats.BranchesLeft.Count > 0)
        {
            // A failed cleanup must be said out loud: the counts alone ("created 3, deleted 1") were easy to miss.
            builder.AppendLine().Append(CultureInfo.InvariantCulture, $"  warning: {stats.BranchesLeft.Count} branch(es) could not be deleted:");
            foreach (var left in stats.BranchesLeft)
            {
                builder.AppendLine().Append(CultureInfo.InvariantCulture, $"    {left.Name}: {left.HowItGoes}");
            }
        }

        foreach (var warning in stats.Warnings)
        {
            builder.AppendLine().Append(CultureInfo.InvariantCulture, $"  warning: {warning}");
        }

        foreach (var kept in stats.BranchesKept)
        {
            builder.AppendLine().Append(CultureInfo.InvariantCulture, $"  kept for failed test {kept.Test}: {kept.Name}{(kept.ExpiresAt is { } expires ? $" (expires {expires.ToUniversalTime():u})" : "")}");
            builder.AppendLine().Append(CultureInfo.InvariantCulture, $"    open: {kept.HowToOpen}");
        }

        if (run.ConcurrentIsolated > 0 || run.SharingViolations > 0)
        {
            builder.AppendLine().Append(CultureInfo.InvariantCulture, $"  concurrent isolated tests: {run.ConcurrentIsolated} on {run.IsolatedBranches} branches; tests failed for sharing a branch: {run.SharingViolations}");
        }

        return builder.ToString();
    }

    /// <summary>Milliseconds of isolating per test after the run's first one.</summary>
    private static double AfterFirst(NeonTestRun run, int tests) =>
        Math.Max(0, (run.IsolatingTime - run.FirstTestIsolatingTime).TotalMilliseconds) / (tests - 1);

    /// <summary>Why isolated tests waited for each other, and how to run them at once.</summary>
    private static string TurnsTaken(NeonTestRun run)
    {
        var stats = run.Session.Statistics;
        var why = run.SerialByTestCode
            ? $"the test code reads {run.Options.EnvVar}, which names one branch for the whole process"
            : $"{Engine.NeonSettings.ConcurrentTests}=Serial";
        var fix = run.SerialByTestCode
            ? $"read NeonDatabase.ConnectionString instead of {run.Options.EnvVar} and set {Engine.NeonSettings.ConcurrentTests}=Branches"
            : $"read NeonDatabase.ConnectionString and set {Engine.NeonSettings.ConcurrentTests}=Branches";
        return string.Create(CultureInfo.InvariantCulture,
            $"isolated tests took turns on one branch ({Number(stats.TurnsWaited)} waited for the one before, {stats.TurnWaitTime.TotalMilliseconds:0} ms in all) because {why}; to run them at once, each on a branch of its own, {fix}");
    }

    /// <summary>Why serial tests got branches of their own after all.</summary>
    private static string TurnsSkipped(NeonTestRun run) => string.Create(CultureInfo.InvariantCulture,
        $"{Number(run.Session.Statistics.TurnsSkipped)} isolated test(s) started while another ran and could not wait for their turn: their framework runs them on a synchronization context (xUnit's aggressive parallel algorithm), where waiting could deadlock. They got branches of their own, which {run.Options.EnvVar} does not name; use xUnit's conservative algorithm (the default), or read NeonDatabase.ConnectionString");

    /// <summary>
    /// The same numbers as a Markdown block for a CI job's summary page (GitHub Actions'
    /// <c>GITHUB_STEP_SUMMARY</c>). Holds no connection string, password or key.
    /// </summary>
    public static string ToMarkdown(NeonTestRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var stats = run.Session.Statistics;
        var tests = stats.TestsByLevel.Values.Sum();
        var levels = string.Join(", ", stats.TestsByLevel.OrderBy(l => l.Key).Select(l => $"{l.Key} {l.Value}"));
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"### Neon.Testing: {Escape(run.TestAssemblyName ?? run.Host)}").AppendLine().AppendLine();
        builder.AppendLine("| | |").AppendLine("| --- | --- |");
        void Row(string name, string value) => builder.Append(CultureInfo.InvariantCulture, $"| {name} | {Escape(value)} |").AppendLine();
        Row("provider", run.Session.ProviderName);
        Row("branches", stats.DescribeBranches() + (run.Options.KeepBranches ? " (kept: NeonKeepBranches)" : ""));
        Row("migrations", run.Session.MigrationsReused ? "reused" : string.Create(CultureInfo.InvariantCulture, $"ran ({Number(stats.MigrationsApplied)})"));
        Row("session start", string.Create(CultureInfo.InvariantCulture, $"{run.Startup.TotalMilliseconds:0} ms"));
        Row("tests by level", levels.Length == 0 ? "none" : levels);
        Row("resets", string.Create(CultureInfo.InvariantCulture, $"{Number(stats.ResetsRestored)} restored, {Number(stats.ResetsFull)} full, {Number(stats.ResetsClean)} clean"));
        Row("isolation", tests switch
        {
            0 => "none",
            1 => string.Create(CultureInfo.InvariantCulture, $"{run.IsolatingTime.TotalMilliseconds:0.0} ms per test"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{AfterFirst(run, tests):0.0} ms per test after the first ({run.FirstTestIsolatingTime.TotalMilliseconds:0} ms, one-time start-up included)"),
        });
        if (stats.TurnsWaited > 0)
        {
            Row("concurrent tests", TurnsTaken(run));
        }

        if (stats.TurnsSkipped > 0)
        {
            Row("warning", TurnsSkipped(run));
        }

        Row("Neon API calls", Number(stats.ApiCalls).ToString(CultureInfo.InvariantCulture));
        foreach (var kept in stats.BranchesKept)
        {
            builder.AppendLine().Append(CultureInfo.InvariantCulture, $"Kept for failed test `{kept.Test}`: branch `{kept.Name}`").AppendLine();
        }

        foreach (var left in stats.BranchesLeft)
        {
            builder.AppendLine().Append(CultureInfo.InvariantCulture, $"> **Warning**: branch `{left.Name}` could not be deleted: {Escape(left.HowItGoes)}").AppendLine();
        }

        foreach (var warning in stats.Warnings)
        {
            builder.AppendLine().Append(CultureInfo.InvariantCulture, $"> **Warning**: {Escape(warning)}").AppendLine();
        }

        return builder.ToString();
    }

    /// <summary>Appends <see cref="ToMarkdown"/> to the CI job summary file, when the CI names one; returns whether it did.</summary>
    /// <param name="run">The finished run.</param>
    /// <param name="jobSummaryFile">The file, e.g. the value of <c>GITHUB_STEP_SUMMARY</c>; nothing is written when empty.</param>
    public static bool AppendJobSummary(NeonTestRun run, string? jobSummaryFile)
    {
        if (string.IsNullOrWhiteSpace(jobSummaryFile))
        {
            return false;
        }

        // Appended: every test project of the job adds its own block to the one page.
        File.AppendAllText(jobSummaryFile, ToMarkdown(run) + Environment.NewLine);
        return true;
    }

    /// <summary>The same numbers as JSON.</summary>
    public static string ToJson(NeonTestRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var stats = run.Session.Statistics;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("host", run.Host);
            json.WriteString("provider", run.Session.ProviderName);
            json.WriteBoolean("keepBranches", run.Options.KeepBranches);
            json.WriteString("defaultIsolation", run.DefaultLevel.ToString());
            json.WriteNumber("branchesCreated", Number(stats.BranchesCreated));
            json.WriteNumber("branchesDeleted", Number(stats.BranchesDeleted));
            json.WriteNumber("branchesSpared", Number(stats.BranchesSpared));
            json.WriteNumber("branchesFromSpares", Number(stats.BranchesFromSpares));
            json.WriteStartArray("branchesLeft");
            foreach (var left in stats.BranchesLeft)
            {
                json.WriteStringValue(left.Name);
            }

            json.WriteEndArray();
            json.WriteStartArray("warnings");
            foreach (var warning in stats.Warnings)
            {
                json.WriteStringValue(warning);
            }

            json.WriteEndArray();
            json.WriteStartArray("branchesKept");
            foreach (var kept in stats.BranchesKept)
            {
                json.WriteStartObject();
                json.WriteString("name", kept.Name);
                json.WriteString("test", kept.Test);
                json.WriteString("open", kept.HowToOpen);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteBoolean("migrationsReused", run.Session.MigrationsReused);
            json.WriteNumber("migrationsRan", Number(stats.MigrationsApplied));
            json.WriteStartObject("testsByLevel");
            foreach (var (level, count) in stats.TestsByLevel.OrderBy(l => l.Key))
            {
                json.WriteNumber(level.ToString(), count);
            }

            json.WriteEndObject();
            json.WriteStartObject("resets");
            json.WriteNumber("performed", Number(stats.ResetsRestored) + Number(stats.ResetsFull));
            json.WriteNumber("restored", Number(stats.ResetsRestored));
            json.WriteNumber("full", Number(stats.ResetsFull));
            json.WriteNumber("skippedClean", Number(stats.ResetsClean));
            json.WriteEndObject();
            json.WriteNumber("sessionStartMs", Math.Round(run.Startup.TotalMilliseconds, 1));
            json.WriteStartObject("sessionStartPhasesMs");
            foreach (var phase in stats.SetupPhases.GroupBy(p => p.Key))
            {
                json.WriteNumber(phase.Key, Math.Round(phase.Sum(p => p.Value.TotalMilliseconds), 1));
            }

            json.WriteEndObject();
            json.WriteNumber("isolationMs", Math.Round(run.IsolatingTime.TotalMilliseconds, 1));
            json.WriteNumber("firstTestIsolationMs", Math.Round(run.FirstTestIsolatingTime.TotalMilliseconds, 1));
            json.WriteString("concurrentTests", run.Options.ConcurrentTests.ToString());
            json.WriteBoolean("serialByTestCode", run.SerialByTestCode);
            json.WriteNumber("turnsWaited", Number(stats.TurnsWaited));
            json.WriteNumber("turnWaitMs", Math.Round(stats.TurnWaitTime.TotalMilliseconds, 1));
            json.WriteNumber("turnsSkipped", Number(stats.TurnsSkipped));
            json.WriteNumber("resetMs", Math.Round(stats.IsolationTime.TotalMilliseconds, 1));
            json.WriteNumber("apiCalls", Number(stats.ApiCalls));
            json.WriteNumber("isolatedBranches", run.IsolatedBranches);
            json.WriteNumber("concurrentIsolatedTests", run.ConcurrentIsolated);
            json.WriteNumber("sharingViolations", run.SharingViolations);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes the JSON summary into <paramref name="directory"/>; returns its path.</summary>
    public static string WriteJson(NeonTestRun run, string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, JsonFileNameFor(run.TestAssemblyName));
        Replace(path, ToJson(run));
        return path;
    }

    /// <summary>Writes the readable summary into <paramref name="directory"/>; returns the file's path.</summary>
    public static string WriteText(NeonTestRun run, string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, TextFileNameFor(run.TestAssemblyName));
        Replace(path, ToText(run) + Environment.NewLine);
        return path;
    }

    // Whole or not at all: VSTest ends its test host ~100 ms after the run, maybe in the middle of a rewrite, and the
    // SDK's task then prints whatever the file holds (an in-place rewrite killed after truncating left it empty).
    private static void Replace(string path, string contents)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
        try
        {
            File.WriteAllText(temporary, contents);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");

    // The core's counters may be int or long; the summary does not care which.
    private static long Number<T>(T value)
        where T : IConvertible => value.ToInt64(CultureInfo.InvariantCulture);
}
