namespace Neon.Testing.Engine;

/// <summary>One of our branches as <see cref="BranchMaintenance.ListAsync"/> shows it.</summary>
/// <param name="Name">The branch (on the local engine, its database).</param>
/// <param name="CreatedAt">When it was created, when known.</param>
/// <param name="ExpiresAt">When the sweeper may remove it.</param>
/// <param name="HowToOpen">A command that opens it (<c>psql</c> reading the password from its file) or, on Neon, how to get its connection string.</param>
public sealed record ListedBranch(string Name, DateTimeOffset? CreatedAt, DateTimeOffset? ExpiresAt, string HowToOpen);
