using Neon.Testing.Engine;
using Neon.Testing.Engine.Isolation;
using Npgsql;

namespace Neon.Testing.Hosting;

/// <summary>One running test: its level, the connection it was handed, and the branch it holds.</summary>
internal sealed class TestScope
{
    internal TestScope(TestIdentity test, TestIsolation level, string connectionString, BranchSlot? slot, OuterTransaction? transaction, long startedTimestamp)
    {
        Test = test;
        Level = level;
        ConnectionString = connectionString;
        Slot = slot;
        Transaction = transaction;
        StartedTimestamp = startedTimestamp;
    }

    public TestIdentity Test { get; }

    public TestIsolation Level { get; }

    public string ConnectionString { get; }

    /// <summary>The isolated branch the test holds (Isolated, PerClass, Transaction).</summary>
    public BranchSlot? Slot { get; }

    /// <summary>Outer transaction of a <see cref="TestIsolation.Transaction"/> test.</summary>
    public OuterTransaction? Transaction { get; }

    public NpgsqlConnection? Connection => Transaction?.Connection;

    public long StartedTimestamp { get; }

    /// <summary>Why the test's database could not be prepared; the test must not fall back to another one.</summary>
    public string? PreparationError { get; init; }

    /// <summary>The test's code asked <see cref="NeonDatabase"/> for its connection (so it did not rely on the environment variable).</summary>
    public bool AskedForConnection { get; set; }

    /// <summary>Another test held the branch the environment variable points at while this one ran on its own.</summary>
    public string? OverlapWith { get; set; }

    /// <summary>Set when the test was seen using another test's isolated branch.</summary>
    public string? SharingViolation { get; set; }
}
