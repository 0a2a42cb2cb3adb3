namespace Neon.Testing.NeonCloud.Tests;

/// <summary>A branch as the emulator lists it over its HTTP API.</summary>
internal sealed record EmulatedBranch(string Id, string Name, string? ParentId, bool IsDefault, DateTimeOffset? ExpiresAt);
