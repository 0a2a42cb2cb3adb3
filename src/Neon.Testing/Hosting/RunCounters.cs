using System.Diagnostics;

namespace Neon.Testing.Hosting;

/// <summary>The host-side numbers of the summary: time spent bracketing tests, concurrent isolated tests, sharing violations. Thread-safe.</summary>
internal sealed class RunCounters
{
    private long _bracketTicks;
    private int _sharingViolations;
    private int _concurrentIsolated;

    public TimeSpan BracketTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _bracketTicks));

    public int SharingViolations => Volatile.Read(ref _sharingViolations);

    public int ConcurrentIsolated => Volatile.Read(ref _concurrentIsolated);

    public void AddBracketTime(long startedTimestamp) => Interlocked.Add(ref _bracketTicks, Stopwatch.GetTimestamp() - startedTimestamp);

    public void RecordSharingViolation() => Interlocked.Increment(ref _sharingViolations);

    public void RecordConcurrentIsolated() => Interlocked.Increment(ref _concurrentIsolated);
}
