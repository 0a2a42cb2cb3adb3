using Microsoft.Extensions.Logging;

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>Writes formatted messages, exception text included, into a <see cref="LogCollector"/>.</summary>
internal sealed class SourceLogger(LogCollector collector, string source, LogLevel minimum) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var template = state is IReadOnlyList<KeyValuePair<string, object?>> values
            ? values.FirstOrDefault(v => v.Key == "{OriginalFormat}").Value as string
            : null;
        var text = formatter(state, exception) + (exception is null ? "" : Environment.NewLine + exception);
        collector.Add(new LogEntry(source, logLevel, text, template));
    }
}
