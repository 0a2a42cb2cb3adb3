using Neon.Testing.Engine;

namespace Neon.Testing;

/// <summary>The test gets a connection inside an outer transaction (<see cref="NeonDatabase.Connection"/>) that is rolled back after it.</summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class TransactionAttribute : IsolationAttribute
{
    /// <summary>Applies <see cref="TestIsolation.Transaction"/>.</summary>
    public TransactionAttribute()
        : base(TestIsolation.Transaction)
    {
    }
}
