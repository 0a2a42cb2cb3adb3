namespace Neon.Testing.Engine;

/// <summary>What isolated tests that the framework runs at the same time get (<c>NeonConcurrentTests</c>).</summary>
public enum ConcurrentTests
{
    /// <summary>
    /// <see cref="Serial"/> when the test assembly's code names the environment variable (<c>NeonEnvVar</c>), which
    /// holds one branch for the whole process; otherwise <see cref="Branches"/>.
    /// </summary>
    Auto = 0,

    /// <summary>A branch each: a test that starts while another holds the variable's branch gets one of its own, which it reads from <c>NeonDatabase.ConnectionString</c>.</summary>
    Branches,

    /// <summary>Isolated tests take turns on the branch the environment variable names: each waits for the one before to end.</summary>
    Serial,
}
