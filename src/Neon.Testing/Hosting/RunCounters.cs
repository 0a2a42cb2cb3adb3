using System.Diagnostics;

namespace Neon.Testing.Hosting;

/// <summary>The host-side numbers of the summary: time spent bracketing tests, concurrent isolated tests, sharing violations. Thread-safe.</summary>
internal sealed class RunCounters
{
    private long _bracketTicks;
    private long _firstTestTicks;
    private int _firstTestClaimed;
    private int _sharingViolations;
    private int _concurrentIsolated;

    public TimeSpan BracketTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _bracketTicks));

    public int SharingViolations => Volatile.Read(ref _sharingViolations);

    public int ConcurrentIsolated => Volatile.Read(ref _concurrentIsolated);

    /// <summary>The part of <see cref="BracketTime"/> spent on the run's first test, which pays one-time costs (attaching change tracking, compiling the reset).</summary>
    public TimeSpan FirstTestTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _firstTestTicks));

    /// <summary>True for the first caller only: the run's first test.</summary>
    public bool ClaimFirstTest() => Interlocked.Exchange(ref _firstTestClaimed, 1) == 0;

    public void AddBracketTime(long startedTimestamp, bool firstTest)
    {
        var elapsed = Stopwatch.GetTimestamp() - startedTimestamp;
        Interlocked.Add(ref _bracketTicks, elapsed);
        if (firstTest)
        {
            Interlocked.Add(ref _firstTestTicks, elapsed);
        }
    }

    public void RecordSharingViolation() => Interlocked.Increment(ref _sharingViolations);

    public void RecordConcurrentIsolated() => Interlocked.Increment(ref _concurrentIsolated);
}
