namespace Neon.Testing.Engine.Isolation;

/// <summary>Tuning for <see cref="ChangeTracker"/>; the defaults suit test databases.</summary>
internal sealed class RestoreOptions
{
    /// <summary>How long a restore waits for a lock held by a leaked connection before it terminates the database's other connections (default 1 s).</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A touched table whose baseline is empty is truncated rather than deleted from when its heap is larger than this (default 1 MiB), since TRUNCATE costs milliseconds per table whatever its size.</summary>
    public long TruncateThresholdBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Read every sequence after every test. By default a sequence owned by a column (identity, serial) is read after a
    /// write to its table, and all of them after any failed, rolled-back or unfinished write; turn this on when tests call
    /// <c>nextval()</c> or <c>setval()</c> on a table's sequence without writing that table. Standalone sequences are always read.
    /// </summary>
    public bool AlwaysCheckSequences { get; init; }
}
