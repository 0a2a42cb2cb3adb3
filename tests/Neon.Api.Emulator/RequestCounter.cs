using System.Collections.Concurrent;

namespace Neon.Api.Emulator;

/// <summary>Counts requests per Neon operation id (<c>createProjectBranch</c>, ...), including rejected and faulted ones.</summary>
public sealed class RequestCounter
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>Requests made to <paramref name="operationId"/> so far.</summary>
    public int this[string operationId] => _counts.TryGetValue(operationId, out var count) ? count : 0;

    /// <summary>All requests so far.</summary>
    public int Total => _counts.Values.Sum();

    /// <summary>A copy of the counts by operation id.</summary>
    public IReadOnlyDictionary<string, int> Snapshot() => new Dictionary<string, int>(_counts, StringComparer.Ordinal);

    /// <summary>Starts counting from zero.</summary>
    public void Reset() => _counts.Clear();

    internal void Increment(string operationId) => _counts.AddOrUpdate(operationId, 1, (_, count) => count + 1);
}
