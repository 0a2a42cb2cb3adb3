using Microsoft.Extensions.Logging;

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>Keeps every line logged by the product and the emulator of one test, to count retries and scan for secrets.</summary>
internal sealed class LogCollector : ILoggerFactory
{
    private readonly List<LogEntry> _entries = [];

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>A logger whose lines carry <paramref name="source"/>; every level from <paramref name="minimum"/> up is kept.</summary>
    public ILogger For(string source, LogLevel minimum = LogLevel.Trace) => new SourceLogger(this, source, minimum);

    /// <summary>The emulator's ASP.NET host asks for loggers by category; its debug chatter is not worth keeping.</summary>
    public ILogger CreateLogger(string categoryName) => For("emulator:" + categoryName, LogLevel.Information);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    internal void Add(LogEntry entry)
    {
        lock (_entries)
        {
            _entries.Add(entry);
        }
    }
}
