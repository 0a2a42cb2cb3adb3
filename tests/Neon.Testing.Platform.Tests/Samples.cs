using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Neon.Testing.Platform.Tests;

/// <summary>Runs the sample test apps (built with this project) as child processes against <see cref="TestServer"/>.</summary>
public static class Samples
{
    public const string MSTest = "Neon.Samples.MSTest";
    public const string MSTestParallel = "Neon.Samples.MSTest.Parallel";
    public const string NUnit = "Neon.Samples.NUnit";
    public const string Xunit = "Neon.Samples.Xunit";

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);
    private static readonly ConcurrentDictionary<string, Lazy<Task<SampleRun>>> Cached = new(StringComparer.Ordinal);

    private static string Metadata(string key) =>
        typeof(Samples).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    /// <summary>The migrations every sample app applies.</summary>
    public static string SqlFolder => Path.GetFullPath(Path.Combine(Metadata("SamplesRoot"), "sql"));

    public static string AssemblyPath(string sample) =>
        Path.GetFullPath(Path.Combine(Metadata("SamplesRoot"), sample, "bin", Metadata("SamplesConfiguration"), "net10.0", sample + ".dll"));

    /// <summary>One shared run per sample and arguments: several tests assert on different parts of it.</summary>
    public static Task<SampleRun> RunOnceAsync(string sample, params string[] arguments) =>
        Cached.GetOrAdd(sample + "|" + string.Join(' ', arguments), _ => new Lazy<Task<SampleRun>>(() => RunAsync(sample, arguments))).Value;

    /// <summary>
    /// Runs the sample to its end; <paramref name="whileRunning"/> gets the live process (to kill it, say) and
    /// its output so far.
    /// </summary>
    public static async Task<SampleRun> RunAsync(string sample, string[] arguments, IReadOnlyDictionary<string, string?>? environment = null, Func<Process, Func<string>, Task>? whileRunning = null)
    {
        var results = Directory.CreateTempSubdirectory("neon-sample-results-").FullName;
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(AssemblyPath(sample))!,
        };
        startInfo.ArgumentList.Add(AssemblyPath(sample));
        foreach (var argument in new[] { "--results-directory", results, "--output", "detailed", "--no-ansi", "--no-progress" }.Concat(arguments))
        {
            startInfo.ArgumentList.Add(argument);
        }

        // The child must use this assembly's private cluster, and must not inherit a session of ours.
        startInfo.Environment["NEON_LOCAL_DATA_DIR"] = TestServer.DataDirectory;
        startInfo.Environment.Remove("DATABASE_URL");

        // Run on a CI runner, the samples must not write into the real job's summary page or take its PR name.
        foreach (var variable in new[] { "GITHUB_STEP_SUMMARY", "GITHUB_REF", "GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_MERGE_REQUEST_IID", "CI_COMMIT_REF_NAME", "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER", "BUILD_SOURCEBRANCHNAME" })
        {
            startInfo.Environment.Remove(variable);
        }

        // Failed tests' branches outlive the run by design; tests that do not look at them must see no leftover.
        startInfo.Environment["NEON_KEEP_FAILED_BRANCHES"] = "0";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            startInfo.Environment[key] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            if (whileRunning is not null)
            {
                await whileRunning(process, () => { lock (output) { return output.ToString(); } }).WaitAsync(timeout.Token);
            }

            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // We started it: end it by its own handle.
            process.Kill(entireProcessTree: true);
            throw new AssertFailedException($"{sample} did not finish within {Timeout.TotalMinutes} minutes. Output so far:{Environment.NewLine}{output}");
        }

        lock (output)
        {
            return new SampleRun(process.ExitCode, output.ToString(), results);
        }
    }
}
