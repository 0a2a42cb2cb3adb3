using Microsoft.Extensions.Logging;

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>One captured log line: who wrote it, its level, the formatted text (exception included) and its message template.</summary>
internal sealed record LogEntry(string Source, LogLevel Level, string Text, string? Template);
