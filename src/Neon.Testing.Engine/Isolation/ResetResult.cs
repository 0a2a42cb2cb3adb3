namespace Neon.Testing.Engine.Isolation;

/// <summary>The outcome of one <see cref="ChangeTracker.ResetAsync"/>: what was done, to which tables, how long it took, and why when it was a full reset.</summary>
/// <param name="Kind">Clean, targeted restore, or full branch reset.</param>
/// <param name="Tables">Qualified names of the tables restored (empty for <see cref="ResetKind.Clean"/> and <see cref="ResetKind.Full"/>).</param>
/// <param name="Elapsed">Wall time of the reset, including the check.</param>
/// <param name="Reason">Why a full reset was needed, or what else the reset had to do (terminated connections); null when there is nothing to add.</param>
public sealed record ResetResult(ResetKind Kind, IReadOnlyList<string> Tables, TimeSpan Elapsed, string? Reason)
{
    /// <summary>Qualified names of the sequences set back to their baseline value.</summary>
    public IReadOnlyList<string> Sequences { get; init; } = [];
}
