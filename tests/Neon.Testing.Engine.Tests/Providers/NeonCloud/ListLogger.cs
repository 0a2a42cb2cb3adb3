using Microsoft.Extensions.Logging;

namespace Neon.Testing.Engine.Tests.Providers.NeonCloud;

/// <summary>A logger that keeps every formatted message, for asserting what a log line says (and never says).</summary>
internal sealed class ListLogger : ILogger
{
    private readonly List<(LogLevel Level, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var message = formatter(state, exception) + (exception is null ? "" : "\n" + exception);
        lock (_entries)
        {
            _entries.Add((logLevel, message));
        }
    }
}
