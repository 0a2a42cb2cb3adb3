namespace Neon.Testing.Engine;

/// <summary>How a test's database is kept apart from other tests' writes.</summary>
public enum TestIsolation
{
    /// <summary>The worker's isolated branch, restored to the migrated state after every test that changed it.</summary>
    Isolated = 0,

    /// <summary>The read-only endpoint of the migration branch; writes fail inside PostgreSQL.</summary>
    ReadOnly,

    /// <summary>One read-write branch shared by all tests and never reset.</summary>
    Shared,

    /// <summary>An isolated branch restored after each test class rather than after each test.</summary>
    PerClass,

    /// <summary>A connection inside an outer transaction that is rolled back after the test.</summary>
    Transaction,
}
