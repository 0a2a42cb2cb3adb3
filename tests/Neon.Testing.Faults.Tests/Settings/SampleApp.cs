using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Neon.Testing.Faults.Tests.Settings;

/// <summary>What one run of the MSTest sample app printed and returned, and where its results went.</summary>
internal sealed record SampleAppRun(int ExitCode, string Output, string ResultsDirectory);

/// <summary>
/// Runs the MSTest sample app (tests/Samples/Neon.Samples.MSTest, built with this project) as a child process: the
/// real test host with the Neon.Testing extension, its <c>--neon-*</c> options and <c>NEON_*</c> variables.
/// </summary>
internal static class SampleApp
{
    private const string Name = "Neon.Samples.MSTest";

    private static string Metadata(string key) =>
        typeof(SampleApp).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public static string AssemblyPath =>
        Path.GetFullPath(Path.Combine(Metadata("SamplesRoot"), Name, "bin", Metadata("SamplesConfiguration"), "net10.0", Name + ".dll"));

    /// <summary>Runs the app to its end (or kills it after <paramref name="timeout"/>); NEON_* variables of this process are not inherited.</summary>
    public static async Task<SampleAppRun> RunAsync(
        IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, string resultsDirectory, TimeSpan timeout,
        Func<Process, Task>? whileRunning = null)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(AssemblyPath)!,
        };
        startInfo.ArgumentList.Add(AssemblyPath);
        foreach (var argument in new[] { "--results-directory", resultsDirectory, "--no-ansi", "--progress", "off" }.Concat(arguments))
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var variable in startInfo.Environment.Keys.Where(k => k.StartsWith("NEON_", StringComparison.Ordinal) || k.StartsWith("GITHUB_", StringComparison.Ordinal) || k == "DATABASE_URL").ToList())
        {
            startInfo.Environment.Remove(variable);
        }

        startInfo.Environment["NEON_KEEP_FAILED_BRANCHES"] = "0";
        foreach (var (key, value) in environment)
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
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            if (whileRunning is not null)
            {
                await whileRunning(process).WaitAsync(cancel.Token);
            }

            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            // Ours: ended by its own handle.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            lock (output)
            {
                throw new AssertFailedException($"The sample app did not finish within {timeout}. Output:{Environment.NewLine}{output}");
            }
        }

        process.WaitForExit(); // flushes the redirected output
        lock (output)
        {
            return new SampleAppRun(process.ExitCode, output.ToString(), resultsDirectory);
        }
    }
}
