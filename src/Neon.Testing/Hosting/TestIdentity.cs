namespace Neon.Testing.Hosting;

/// <summary>Who a test is, as far as the framework tells the host.</summary>
/// <param name="Key">Identity the test's own code can be matched with at run time (framework test id, or class and method); see <see cref="NeonTestRun.RegisterTestKeyResolver"/>.</param>
/// <param name="DisplayName">Human-readable name for messages.</param>
/// <param name="ClassKey">Full name of the test class: the unit a <c>PerClass</c> branch is restored after.</param>
public sealed record TestIdentity(string Key, string DisplayName, string ClassKey);
