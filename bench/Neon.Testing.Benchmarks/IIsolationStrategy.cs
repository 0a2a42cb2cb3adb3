namespace Neon.Testing.Benchmarks;

/// <summary>One way to isolate tests: run the test's writes (untimed), then the isolation step (timed), then verify (untimed).</summary>
internal interface IIsolationStrategy : IAsyncDisposable
{
    string Name { get; }

    bool Supports(Scenario scenario);

    Task PrepareAsync(CancellationToken cancellationToken);

    Task RunTestAsync(Scenario scenario, int iteration, CancellationToken cancellationToken);

    Task IsolateAsync(CancellationToken cancellationToken);

    /// <summary>Differences between the database and its baseline after the step (empty when equal).</summary>
    Task<IReadOnlyList<string>> VerifyAsync(CancellationToken cancellationToken);

    /// <summary>What the reader should know about how this strategy was measured, or null.</summary>
    string? Note { get; }
}
