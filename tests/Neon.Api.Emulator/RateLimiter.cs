namespace Neon.Api.Emulator;

/// <summary>
/// Neon's published API rate limits: requests per minute for the account (all routes together) and a burst limit
/// per second for each route (method and path template). Sliding windows over the requests admitted; a refused
/// request does not count. Also records the busiest second seen, for the fault suite's figures.
/// </summary>
public sealed class RateLimiter
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly Queue<DateTimeOffset> _account = new();
    private readonly Dictionary<string, Queue<DateTimeOffset>> _routes = new(StringComparer.Ordinal);
    private readonly Queue<DateTimeOffset> _lastSecond = new();
    private readonly TimeProvider _time;
    private int _peakPerSecond;
    private int _peakPerRouteSecond;
    private int _peakPerMinute;
    private int _refused;

    internal RateLimiter(NeonRateLimits? limits, TimeProvider time)
    {
        Limits = limits;
        _time = time;
    }

    /// <summary>The limits enforced; none when <see langword="null"/> (requests are still measured).</summary>
    public NeonRateLimits? Limits { get; }

    /// <summary>Most requests admitted within any one second (a sliding second) so far.</summary>
    public int PeakRequestsPerSecond
    {
        get
        {
            lock (_gate)
            {
                return _peakPerSecond;
            }
        }
    }

    /// <summary>Most requests admitted to one route within any one second so far (Neon's burst limit is per route).</summary>
    public int PeakRequestsPerRouteSecond
    {
        get
        {
            lock (_gate)
            {
                return _peakPerRouteSecond;
            }
        }
    }

    /// <summary>Most requests admitted within any one minute (a sliding minute) so far, all routes together.</summary>
    public int PeakRequestsPerMinute
    {
        get
        {
            lock (_gate)
            {
                return _peakPerMinute;
            }
        }
    }

    /// <summary>Requests answered 429 because a limit was reached.</summary>
    public int Refused
    {
        get
        {
            lock (_gate)
            {
                return _refused;
            }
        }
    }

    /// <summary>Starts measuring (and limiting) from zero.</summary>
    public void ResetFigures()
    {
        lock (_gate)
        {
            _peakPerSecond = 0;
            _peakPerRouteSecond = 0;
            _peakPerMinute = 0;
            _refused = 0;
            _lastSecond.Clear();
            _account.Clear();
            _routes.Clear();
        }
    }

    /// <summary>Admits the request, or says how long to wait before the limit it reached frees a slot.</summary>
    internal TimeSpan? TryAdmit(string route)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            Trim(_account, now - Minute);
            if (!_routes.TryGetValue(route, out var perRoute))
            {
                _routes[route] = perRoute = new Queue<DateTimeOffset>();
            }

            Trim(perRoute, now - Second);
            if (Limits is { } limits)
            {
                if (_account.Count >= limits.RequestsPerMinute)
                {
                    _refused++;
                    return _account.Peek() + Minute - now;
                }

                if (perRoute.Count >= limits.RequestsPerSecondPerRoute)
                {
                    _refused++;
                    return perRoute.Peek() + Second - now;
                }
            }

            _account.Enqueue(now);
            perRoute.Enqueue(now);
            Trim(_lastSecond, now - Second);
            _lastSecond.Enqueue(now);
            _peakPerSecond = Math.Max(_peakPerSecond, _lastSecond.Count);
            _peakPerRouteSecond = Math.Max(_peakPerRouteSecond, perRoute.Count);
            _peakPerMinute = Math.Max(_peakPerMinute, _account.Count);
            return null;
        }
    }

    private static void Trim(Queue<DateTimeOffset> window, DateTimeOffset since)
    {
        while (window.Count > 0 && window.Peek() <= since)
        {
            window.Dequeue();
        }
    }
}
