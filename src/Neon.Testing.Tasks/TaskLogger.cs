using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Microsoft.Extensions.Logging;
using Neon.Testing.Engine;

namespace Neon.Testing.Tasks;

/// <summary>
/// Routes the core's log lines to whichever task currently runs: a session outlives the task that
/// started it, and MSBuild refuses messages from a task that has finished.
/// </summary>
internal sealed class TaskLogger : Microsoft.Extensions.Logging.ILogger
{
    private readonly Lock _gate = new();
    private readonly List<string> _secrets = [];
    private TaskLoggingHelper? _target;

    /// <summary>Messages at <see cref="LogLevel.Information"/> go out with this importance.</summary>
    public MessageImportance InformationImportance { get; set; } = MessageImportance.Normal;

    /// <summary>Sends messages to <paramref name="log"/>, or nowhere when <see langword="null"/>.</summary>
    public void Attach(TaskLoggingHelper? log)
    {
        lock (_gate)
        {
            _target = log;
        }
    }

    /// <summary>Never lets <paramref name="secret"/> (or the password inside it) through.</summary>
    public void AddSecret(string? secret)
    {
        if (!string.IsNullOrEmpty(secret))
        {
            lock (_gate)
            {
                _secrets.Add(secret);
            }
        }
    }

    /// <summary><paramref name="text"/> with every registered secret replaced by <c>***</c>.</summary>
    public string Redact(string text)
    {
        lock (_gate)
        {
            foreach (var secret in _secrets)
            {
                text = SecretRedactor.Redact(text, secret);
            }
        }

        return text;
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var text = Redact("Neon.Testing: " + formatter(state, exception));
        lock (_gate)
        {
            switch (logLevel)
            {
                case >= LogLevel.Error:
                case LogLevel.Warning:
                    // Core warnings (a branch that could not be deleted) must not fail a build that treats warnings as errors.
                    _target?.LogMessage(MessageImportance.High, text);
                    break;
                default:
                    _target?.LogMessage(InformationImportance, text);
                    break;
            }
        }
    }
}
