namespace Neon.Testing.Engine;

/// <summary>A branch: a copy-on-write (Neon) or template-cloned (local) database with a parent.</summary>
/// <param name="Id">Provider id (Neon <c>br-...</c>; locally the database name).</param>
/// <param name="Name">Human-readable name carrying the product prefix.</param>
/// <param name="ParentId">The branch this one was created from, or <see langword="null"/> for a root.</param>
/// <param name="ExpiresAt">When the sweeper may delete it if the session that made it is gone.</param>
/// <param name="CreatedAt">When it was created, where the provider knows.</param>
public sealed record Branch(string Id, string Name, string? ParentId, DateTimeOffset? ExpiresAt, DateTimeOffset? CreatedAt = null);
