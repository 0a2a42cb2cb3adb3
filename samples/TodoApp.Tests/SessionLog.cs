using Microsoft.Extensions.Logging;

namespace TodoApp.Tests;

/// <summary>Writes the session's log lines to a file the run script prints, so the branch lifecycle is visible.</summary>
internal sealed class SessionLog(string path) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Write($"{logLevel,-11} {formatter(state, exception)}");
        }
    }

    public void Write(string line)
    {
        lock (this)
        {
            File.AppendAllText(path, $"{DateTime.Now:HH:mm:ss.fff} {line}{Environment.NewLine}");
        }
    }
}
