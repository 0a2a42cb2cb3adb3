namespace Neon.Testing.Engine.Session;

/// <summary>A branch the session could not delete at its end.</summary>
/// <param name="Name">The branch's name.</param>
/// <param name="HowItGoes">What removes it instead (its expiry, the next session's sweeper).</param>
public sealed record LeftBranch(string Name, string HowItGoes);
