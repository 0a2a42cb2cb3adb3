using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Neon.Api.Emulator;

/// <summary>
/// Runs operations the way Neon's control plane reports them: each waits for the branch's previous
/// one, sits in <c>scheduling</c>, then <c>running</c> while its real work (a database copy, a drop)
/// happens and its simulated duration passes, then ends <c>finished</c> — or <c>failed</c>, or never,
/// when a fault says so.
/// </summary>
internal sealed class OperationRunner
{
    private readonly EmulatorState _state;
    private readonly FaultInjector _faults;
    private readonly NeonApiEmulatorOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly CancellationToken _lifetime;
    private readonly ConcurrentDictionary<Guid, Task> _running = new();

    public OperationRunner(EmulatorState state, FaultInjector faults, NeonApiEmulatorOptions options, ILogger logger, CancellationToken lifetime)
    {
        _state = state;
        _faults = faults;
        _options = options;
        _clock = options.TimeProvider;
        _logger = logger;
        _lifetime = lifetime;
    }

    /// <summary>
    /// Schedules an operation on <paramref name="branch"/> (call under <see cref="EmulatorState.Gate"/>).
    /// </summary>
    /// <param name="work">The real change, run while the operation is <c>running</c>; an exception fails the operation.</param>
    /// <param name="onFinished">State changes that become visible when the operation finishes (runs under the gate).</param>
    /// <param name="duration">How long <c>running</c> lasts at least (default: <see cref="NeonApiEmulatorOptions.OperationRunningDelay"/>).</param>
    /// <param name="after">Another task to wait for first (a child's creation waits for its parent's).</param>
    public OperationRecord Schedule(
        string action,
        BranchRecord branch,
        EndpointRecord? endpoint = null,
        Func<CancellationToken, Task>? work = null,
        Action? onFinished = null,
        TimeSpan? duration = null,
        Task? after = null)
    {
        var now = _clock.GetUtcNow();
        var operation = new OperationRecord
        {
            Id = Guid.NewGuid(),
            BranchId = branch.Id,
            EndpointId = endpoint?.Id,
            Action = action,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var (fault, error) = _faults.TakeOperationFault(action);
        var previous = after is null ? branch.Tail : Task.WhenAll(branch.Tail, after);
        var completion = RunAsync(operation, previous, fault, error, work, onFinished, duration ?? _options.OperationRunningDelay);
        operation.Completion = completion;
        branch.Tail = completion;
        _state.Operations.Add(operation);
        _running[operation.Id] = completion;
        _ = completion.ContinueWith(_ => _running.TryRemove(operation.Id, out var _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return operation;
    }

    /// <summary>Waits for every operation to settle (the emulator's lifetime token ends the stalled ones).</summary>
    public Task WhenAllSettledAsync() => Task.WhenAll(_running.Values);

    private async Task RunAsync(
        OperationRecord operation,
        Task previous,
        OperationFault fault,
        string error,
        Func<CancellationToken, Task>? work,
        Action? onFinished,
        TimeSpan duration)
    {
        // Let the caller finish its bookkeeping under the gate before anything moves.
        await Task.Yield();
        try
        {
            await previous.ConfigureAwait(false);
            await Task.Delay(_options.OperationSchedulingDelay, _clock, _lifetime).ConfigureAwait(false);
            Transition(operation, "running");
            var started = Stopwatch.GetTimestamp();
            switch (fault)
            {
                case OperationFault.Stall:
                    await Task.Delay(Timeout.InfiniteTimeSpan, _clock, _lifetime).ConfigureAwait(false);
                    return;
                case OperationFault.Fail:
                    await Task.Delay(duration, _clock, _lifetime).ConfigureAwait(false);
                    Transition(operation, "failed", error, started);
                    return;
            }

            try
            {
                await Task.WhenAll(work?.Invoke(_lifetime) ?? Task.CompletedTask, Task.Delay(duration, _clock, _lifetime)).ConfigureAwait(false);
            }
            catch (Exception e) when (!_lifetime.IsCancellationRequested)
            {
                _logger.LogWarning(e, "Operation {Action} on {Branch} failed.", operation.Action, operation.BranchId);
                Transition(operation, "failed", e.Message, started);
                return;
            }

            lock (_state.Gate)
            {
                onFinished?.Invoke();
            }

            Transition(operation, "finished", null, started);
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // The emulator is stopping.
        }
        catch (Exception e)
        {
            // Never fault the task: the branch's next operations wait on it.
            _logger.LogError(e, "Operation {Action} on {Branch} broke the emulator's bookkeeping.", operation.Action, operation.BranchId);
            Transition(operation, "error", e.Message);
        }
    }

    private void Transition(OperationRecord operation, string status, string? error = null, long? started = null)
    {
        lock (_state.Gate)
        {
            operation.Status = status;
            operation.UpdatedAt = _clock.GetUtcNow();
            if (status is "failed" or "error")
            {
                operation.Error = error;
                operation.FailuresCount++;
            }

            if (started is not null)
            {
                operation.TotalDurationMs = (int)Stopwatch.GetElapsedTime(started.Value).TotalMilliseconds;
            }
        }
    }
}
