namespace Neon.Testing.Branching.Isolation;

/// <summary>The outcome of one reset.</summary>
/// <param name="Kind">What had to be done.</param>
/// <param name="Tables">Tables restored (empty for clean and full resets).</param>
/// <param name="Elapsed">Time the reset took.</param>
/// <param name="Reason">Why a full reset was needed, if it was.</param>
public sealed record ResetResult(ResetKind Kind, IReadOnlyList<string> Tables, TimeSpan Elapsed, string? Reason);
