using Neon.Testing.Engine.Isolation;

namespace Neon.Testing.Hosting;

/// <summary>What happened after a test: the reset (when its branch was restored) and a failure the host must report.</summary>
/// <param name="Reset">The reset of the test's isolated branch, or <see langword="null"/> when none was due.</param>
/// <param name="Failure">Why the test must fail although its own code passed (it used another test's branch).</param>
public sealed record TestOutcome(ResetResult? Reset, string? Failure);
