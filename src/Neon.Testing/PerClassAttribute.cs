using Neon.Testing.Engine;

namespace Neon.Testing;

/// <summary>The tests of the class share an isolated branch that is restored after the class rather than after each test.</summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class PerClassAttribute : IsolationAttribute
{
    /// <summary>Applies <see cref="TestIsolation.PerClass"/>.</summary>
    public PerClassAttribute()
        : base(TestIsolation.PerClass)
    {
    }
}
