namespace Neon.Testing.Branching;

/// <summary>What to create: a named child of <paramref name="ParentId"/>.</summary>
/// <param name="Name">Full branch name, already carrying the product prefix.</param>
/// <param name="ParentId">Parent branch id.</param>
/// <param name="ExpiresAt">Optional expiry for crashed-run clean-up.</param>
public sealed record BranchRequest(string Name, string ParentId, DateTimeOffset? ExpiresAt);
