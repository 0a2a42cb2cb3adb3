using Neon.Testing.Engine;

namespace Neon.Testing;

/// <summary>
/// Picks the database isolation level for a test method, a test class or the whole assembly;
/// the nearest one wins (method, then class, then assembly, then <c>NeonIsolation</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public class IsolationAttribute : Attribute
{
    /// <summary>Applies <paramref name="level"/>.</summary>
    public IsolationAttribute(TestIsolation level)
    {
        Level = level;
    }

    /// <summary>The level the test runs at.</summary>
    public TestIsolation Level { get; }
}
