namespace Neon.Testing.Hosting;

/// <summary>Where a host without Microsoft.Testing.Platform's configuration writes the JSON summary.</summary>
public static class ResultsDirectory
{
    /// <summary><c>--results-directory</c> from the process's command line, else <c>TestResults</c> next to the test assembly.</summary>
    public static string FromCommandLine(string[]? arguments = null)
    {
        arguments ??= Environment.GetCommandLineArgs();
        for (var i = 0; i < arguments.Length - 1; i++)
        {
            if (arguments[i] is "--results-directory" or "-results-directory")
            {
                return Path.GetFullPath(arguments[i + 1]);
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "TestResults");
    }
}
