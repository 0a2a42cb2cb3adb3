namespace Neon.Testing.Engine;

/// <summary>What to create: a named child of <paramref name="ParentId"/>.</summary>
/// <param name="Name">Full branch name, already carrying the product prefix.</param>
/// <param name="ParentId">Parent branch id.</param>
/// <param name="ExpiresAt">Expiry for crashed-run clean-up.</param>
/// <param name="WillHaveChildren">
/// The session will branch from it. Neon refuses children of an expiring branch, so a provider
/// may drop <paramref name="ExpiresAt"/> for such a branch and rely on deletion and the sweeper.
/// </param>
public sealed record BranchRequest(string Name, string ParentId, DateTimeOffset? ExpiresAt, bool WillHaveChildren = false);
