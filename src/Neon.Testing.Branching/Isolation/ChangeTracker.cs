using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Neon.Testing.Branching.Isolation;

/// <summary>Restores an isolated branch after a test (interim: always a full provider reset).</summary>
public sealed class ChangeTracker : IAsyncDisposable
{
    private readonly Func<CancellationToken, Task> _fullReset;

    private ChangeTracker(Func<CancellationToken, Task> fullReset) => _fullReset = fullReset;

    /// <summary>Attaches to a tracked database.</summary>
    public static Task<ChangeTracker> AttachAsync(string connectionString, Func<CancellationToken, Task> fullReset, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ChangeTracker(fullReset));

    /// <summary>Restores the database to its migrated state.</summary>
    public async Task<ResetResult> ResetAsync(CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        await _fullReset(cancellationToken).ConfigureAwait(false);
        return new ResetResult(ResetKind.Full, [], stopwatch.Elapsed, "change tracking is not installed");
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
