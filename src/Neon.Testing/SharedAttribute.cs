using Neon.Testing.Engine;

namespace Neon.Testing;

/// <summary>The test uses the one shared read-write branch, which is never reset.</summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class SharedAttribute : IsolationAttribute
{
    /// <summary>Applies <see cref="TestIsolation.Shared"/>.</summary>
    public SharedAttribute()
        : base(TestIsolation.Shared)
    {
    }
}
