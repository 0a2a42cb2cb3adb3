namespace Neon.Testing.Hosting;

/// <summary>The tests running now, and which of them the calling code belongs to.</summary>
internal sealed class RunningTests
{
    private readonly List<TestScope> _running = [];

    public void Add(TestScope scope)
    {
        lock (_running)
        {
            _running.Add(scope);
        }
    }

    /// <summary>Adds <paramref name="scope"/>, first calling <paramref name="beforeAdd"/> with the tests already running (under the same lock).</summary>
    public void Add(TestScope scope, Action<IReadOnlyList<TestScope>> beforeAdd)
    {
        lock (_running)
        {
            beforeAdd(_running);
            _running.Add(scope);
        }
    }

    public void Remove(TestScope scope)
    {
        lock (_running)
        {
            _running.Remove(scope);
        }
    }

    /// <summary>A snapshot of the tests running now.</summary>
    public IReadOnlyList<TestScope> Snapshot()
    {
        lock (_running)
        {
            return [.. _running];
        }
    }

    /// <summary>
    /// The running test the calling code belongs to (by the hosts' test keys), or the only database in use;
    /// <see langword="null"/> with no ambiguity when no test runs.
    /// </summary>
    public bool TryResolve(out TestScope? scope, out string? ambiguity)
    {
        ambiguity = null;
        scope = null;
        var keys = TestKeyResolvers.CurrentKeys();
        lock (_running)
        {
            foreach (var key in keys.OfType<string>())
            {
                var matches = _running.Where(s => s.Test.Key == key).ToList();
                if (matches.Count == 0)
                {
                    continue;
                }

                if (matches.Count == 1 || matches.Select(s => s.ConnectionString).Distinct(StringComparer.Ordinal).Count() == 1)
                {
                    scope = matches[0];
                    return true;
                }

                ambiguity = Ambiguity(matches);
                return false;
            }

            if (_running.Count == 0)
            {
                return true;
            }

            if (_running.Select(s => s.ConnectionString).Distinct(StringComparer.Ordinal).Count() == 1)
            {
                scope = _running[0];
                return true;
            }

            ambiguity = Ambiguity(_running);
            return false;
        }
    }

    private static string Ambiguity(IEnumerable<TestScope> scopes) =>
        $"NeonDatabase cannot tell which of the tests running right now is asking ({string.Join(", ", scopes.Select(s => s.Test.DisplayName))}), and they use different databases. " +
        "Ask from the test's own code (not from a thread it started), or run these tests one at a time: [DoNotParallelize] (MSTest), [NonParallelizable] (NUnit), one test collection (xUnit).";
}
