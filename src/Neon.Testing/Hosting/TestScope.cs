using Neon.Testing.Engine;
using Neon.Testing.Engine.Session;
using Npgsql;

namespace Neon.Testing.Hosting;

/// <summary>One running test, as <see cref="NeonTestRun.BeginTestAsync"/> prepared it. Hand it back to <see cref="NeonTestRun.EndTestAsync(TestScope, bool, CancellationToken)"/>.</summary>
public sealed class TestScope
{
    internal TestScope(TestIdentity test, TestIsolation level, TestDatabase? database, long startedTimestamp)
    {
        Test = test;
        Level = level;
        Database = database;
        StartedTimestamp = startedTimestamp;
    }

    /// <summary>The test.</summary>
    public TestIdentity Test { get; }

    /// <summary>The test's isolation level.</summary>
    public TestIsolation Level { get; }

    /// <summary>Why the test's database could not be prepared; the host fails the test with it (it must not fall back to another database).</summary>
    public string? PreparationError { get; init; }

    /// <summary>What the engine gave the test, or <see langword="null"/> when preparing failed.</summary>
    internal TestDatabase? Database { get; }

    internal string ConnectionString => Database?.ConnectionString ?? "";

    internal NpgsqlConnection? Connection => Database?.Connection;

    internal long StartedTimestamp { get; }

    /// <summary>The run's first test, whose bracket pays the one-time costs (see <see cref="RunCounters.FirstTestTime"/>).</summary>
    internal bool IsFirst { get; init; }

    /// <summary>The test's code asked <see cref="NeonDatabase"/> for its connection (so it did not rely on the environment variable).</summary>
    internal bool AskedForConnection { get; set; }

    /// <summary>Another test held the branch the environment variable points at while this one ran on its own.</summary>
    internal string? OverlapWith { get; set; }

    /// <summary>Set when the test was seen using another test's isolated branch.</summary>
    internal string? SharingViolation { get; set; }
}
