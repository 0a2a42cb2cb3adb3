namespace Neon.Api.Emulator;

/// <summary>
/// Per-test fault injection. Faults queue up and are consumed in order by the requests, operations
/// and endpoints they match; nothing is injected once a queue is empty.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<HttpFault> _http = [];
    private readonly List<(OperationFault Fault, string? Action, string Error)> _operations = [];
    private readonly Queue<TimeSpan> _endpointDelays = new();

    /// <summary>The next <paramref name="responses"/> matching requests get 429 with a <c>Retry-After</c> header.</summary>
    /// <param name="responses">How many responses to replace.</param>
    /// <param name="retryAfter">Value of Retry-After (whole seconds; default 1 s).</param>
    /// <param name="operationId">Only requests to this operation (e.g. <c>createProjectBranch</c>); any when null.</param>
    public void InjectRateLimit(int responses, TimeSpan? retryAfter = null, string? operationId = null)
    {
        Enqueue(responses, new HttpFault(429, retryAfter ?? TimeSpan.FromSeconds(1), operationId));
    }

    /// <summary>The next <paramref name="responses"/> matching requests fail with <paramref name="statusCode"/> (5xx).</summary>
    public void InjectServerErrors(int responses, int statusCode = 500, string? operationId = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 500);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        Enqueue(responses, new HttpFault(statusCode, null, operationId));
    }

    /// <summary>
    /// The next <paramref name="responses"/> matching requests get 423 Locked, Neon's answer while
    /// conflicting operations still run.
    /// </summary>
    public void InjectLocked(int responses, string? operationId = null)
    {
        Enqueue(responses, new HttpFault(423, null, operationId));
    }

    /// <summary>The next <paramref name="count"/> operations (of <paramref name="action"/>, or any) end <c>failed</c>.</summary>
    public void FailNextOperations(int count, string? action = null, string error = "emulator: injected operation failure")
    {
        EnqueueOperations(count, OperationFault.Fail, action, error);
    }

    /// <summary>The next <paramref name="count"/> operations (of <paramref name="action"/>, or any) never finish.</summary>
    public void StallNextOperations(int count, string? action = null)
    {
        EnqueueOperations(count, OperationFault.Stall, action, "");
    }

    /// <summary>The next <paramref name="count"/> endpoints started take <paramref name="delay"/> longer to become active.</summary>
    public void SlowNextEndpoints(int count, TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _endpointDelays.Enqueue(delay);
            }
        }
    }

    /// <summary>Drops every queued fault.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _http.Clear();
            _operations.Clear();
            _endpointDelays.Clear();
        }
    }

    internal HttpFault? TakeHttpFault(string operationId)
    {
        lock (_gate)
        {
            var index = _http.FindIndex(f => f.OperationId is null || f.OperationId == operationId);
            if (index < 0)
            {
                return null;
            }

            var fault = _http[index];
            _http.RemoveAt(index);
            return fault;
        }
    }

    internal (OperationFault Fault, string Error) TakeOperationFault(string action)
    {
        lock (_gate)
        {
            var index = _operations.FindIndex(f => f.Action is null || f.Action == action);
            if (index < 0)
            {
                return (OperationFault.None, "");
            }

            var (fault, _, error) = _operations[index];
            _operations.RemoveAt(index);
            return (fault, error);
        }
    }

    internal TimeSpan TakeEndpointDelay()
    {
        lock (_gate)
        {
            return _endpointDelays.TryDequeue(out var delay) ? delay : TimeSpan.Zero;
        }
    }

    private void Enqueue(int count, HttpFault fault)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _http.Add(fault);
            }
        }
    }

    private void EnqueueOperations(int count, OperationFault fault, string? action, string error)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _operations.Add((fault, action, error));
            }
        }
    }
}
