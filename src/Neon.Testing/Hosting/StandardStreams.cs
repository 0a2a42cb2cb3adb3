namespace Neon.Testing.Hosting;

/// <summary>
/// The test process's own standard output and error, past whatever a framework put in front of Console.Out and
/// Console.Error (MSTest and xUnit capture them per test and fixture; the capture ends unseen with the process).
/// `dotnet test` shows what a test application writes here when a test failed.
/// </summary>
public static class StandardStreams
{
    private static readonly object Gate = new();

    /// <summary>Writes <paramref name="text"/> and a line break to the process's standard output.</summary>
    public static void WriteOutput(string text) => Write(Console.OpenStandardOutput, text);

    /// <summary>Writes <paramref name="text"/> and a line break to the process's standard error.</summary>
    public static void WriteError(string text) => Write(Console.OpenStandardError, text);

    private static void Write(Func<Stream> open, string text)
    {
        lock (Gate)
        {
            using var writer = new StreamWriter(open()) { AutoFlush = true };
            writer.WriteLine(text);
        }
    }
}
