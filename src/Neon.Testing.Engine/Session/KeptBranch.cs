namespace Neon.Testing.Engine.Session;

/// <summary>A failed test's isolated branch, kept as it was when the test failed.</summary>
/// <param name="Name">The kept branch's name.</param>
/// <param name="Test">The test that failed on it.</param>
/// <param name="ExpiresAt">When it goes away by itself, if it carries an expiry.</param>
/// <param name="HowToOpen">A command that opens it (never shows a password).</param>
public sealed record KeptBranch(string Name, string Test, DateTimeOffset? ExpiresAt, string HowToOpen);
