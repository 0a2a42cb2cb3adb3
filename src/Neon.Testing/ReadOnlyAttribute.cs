using Neon.Testing.Engine;

namespace Neon.Testing;

/// <summary>The test reads the migrated database through a read-only connection; writes fail inside PostgreSQL.</summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class ReadOnlyAttribute : IsolationAttribute
{
    /// <summary>Applies <see cref="TestIsolation.ReadOnly"/>.</summary>
    public ReadOnlyAttribute()
        : base(TestIsolation.ReadOnly)
    {
    }
}
