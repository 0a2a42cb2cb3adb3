namespace Neon.Testing.Engine.Providers.Local;

/// <summary>
/// The account the embedded server runs as. PostgreSQL refuses to run as root, so when tests do, the server's
/// programs run as <c>nobody</c> and its folders are handed to that account.
/// </summary>
internal static class ServerUser
{
    // PostgreSQL refuses to run as root; this account exists on every Linux and macOS.
    public const string UnprivilegedUser = "nobody";

    // .NET resolves Environment.UserName from the effective uid on Unix.
    /// <summary>Whether this process runs as root (the server then runs as <c>nobody</c>).</summary>
    public static bool IsRoot => !OperatingSystem.IsWindows() && Environment.UserName == "root";

    public static Task<ProcessRunner.Result> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!IsRoot)
        {
            return ProcessRunner.RunAsync(program, arguments, timeout, cancellationToken: cancellationToken);
        }

        var runuser = new[] { "/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser" }.FirstOrDefault(File.Exists);
        if (runuser is not null)
        {
            return ProcessRunner.RunAsync(runuser, ["-u", UnprivilegedUser, "--", program, .. arguments], timeout, workingDirectory: "/", cancellationToken: cancellationToken);
        }

        var setpriv = new[] { "/usr/bin/setpriv", "/bin/setpriv" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("PostgreSQL cannot run as root, and neither runuser nor setpriv is available to run it as 'nobody'. Run the tests as a normal user, or set NeonLocalConnectionString to an existing server.");
        return ProcessRunner.RunAsync(setpriv, ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", program, .. arguments], timeout, workingDirectory: "/", cancellationToken: cancellationToken);
    }

    public static async Task ChownAsync(string path, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync("chown", ["-R", $"{UnprivilegedUser}:", path], TimeSpan.FromSeconds(30), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"Could not hand {path} to the '{UnprivilegedUser}' user: {result.Output}");
        }
    }

    public static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    public static void EnsureTraversable(string directory)
    {
        // 'nobody' must be able to walk down to the data folder.
        for (var current = Path.GetDirectoryName(directory); !string.IsNullOrEmpty(current) && current != "/"; current = Path.GetDirectoryName(current))
        {
            var mode = OperatingSystem.IsWindows() ? UnixFileMode.OtherExecute : File.GetUnixFileMode(current);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
            {
                throw new InvalidOperationException($"The embedded PostgreSQL runs as '{UnprivilegedUser}' when tests run as root, and it cannot enter {current}. Set NeonLocalDataDirectory (NEON_LOCAL_DATA_DIR) to a folder outside it, e.g. /var/tmp/neon-testing.");
            }
        }
    }
}
