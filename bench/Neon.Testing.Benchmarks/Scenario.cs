namespace Neon.Testing.Benchmarks;

/// <summary>What the simulated test did before the isolation step.</summary>
internal enum Scenario
{
    /// <summary>Read only.</summary>
    Clean,

    /// <summary>Updated a seeded row and inserted rows into a second table.</summary>
    TwoTables,

    /// <summary>Inserted rows into twenty tables along the foreign-key chain.</summary>
    TwentyTables,

    /// <summary>Changed the schema (and wrote a row).</summary>
    Ddl,

    /// <summary>Changed one seed row (an UPDATE of a seeded table).</summary>
    SeedChange,

    /// <summary>Read only, right after a test that changed a seed row (whose reset is not timed): the sequence effect.</summary>
    CleanAfterSeed,

    /// <summary>Wrote two tables as <see cref="TwoTables"/>, right after a test that wrote nothing (whose reset is not timed).</summary>
    TwoTablesAfterClean,
}
