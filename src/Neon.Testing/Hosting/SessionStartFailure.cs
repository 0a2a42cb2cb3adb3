using System.Diagnostics.CodeAnalysis;
using Neon.Testing.Engine;

namespace Neon.Testing.Hosting;

/// <summary>
/// A session that cannot start stops its test process before any test runs, whatever the host (the testing platform
/// extension, the MSTest, NUnit and xUnit hooks under VSTest or the platform): said once, with the cause and the fix
/// (the engine's messages name the setting or the migration file and its line), and a non-zero exit. Without a database
/// every test would fail, each with the same secondary error.
/// </summary>
public static class SessionStartFailure
{
    /// <summary>Exit code of a test process whose session could not start: the testing platform's "at least one test failed", so CI fails as it should.</summary>
    public const int ExitCode = 2;

    /// <summary>The one message for <paramref name="error"/>: why no test ran, a settings error with its NEON code.</summary>
    public static string Describe(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error is NeonConfigurationException configuration
            ? $"Neon.Testing could not start the session, so no test ran: {configuration.Code}: {configuration.Message}"
            : $"Neon.Testing could not start the session, so no test ran: {error.Message}";
    }

    /// <summary>Writes <paramref name="message"/> to the process's standard error and ends the process with <see cref="ExitCode"/>.</summary>
    /// <remarks>
    /// Standard error, not a framework's output channel: `dotnet test` shows a test process's error output when it
    /// ends early (VSTest in its "test host process exited" report), while queued messages are lost with the process.
    /// The session has already cleaned up after itself.
    /// </remarks>
    [DoesNotReturn]
    public static void StopProcess(string message)
    {
        StandardStreams.WriteError(message);
        Environment.Exit(ExitCode);
    }
}
