using Neon.Testing.Engine;

namespace Neon.Testing;

/// <summary>The test gets its own isolated branch, restored to the migrated state after it if it changed anything.</summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class IsolatedAttribute : IsolationAttribute
{
    /// <summary>Applies <see cref="TestIsolation.Isolated"/>.</summary>
    public IsolatedAttribute()
        : base(TestIsolation.Isolated)
    {
    }
}
