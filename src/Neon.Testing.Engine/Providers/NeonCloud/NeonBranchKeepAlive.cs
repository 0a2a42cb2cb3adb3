using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Api = Neon.Api;

namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>
/// Keeps a live session's expiring branches from lapsing: once half of a branch's lifetime has passed, its
/// <c>expires_at</c> moves to now plus the same lifetime (updateProjectBranch). A session that dies stops extending,
/// so Neon deletes its branches at their expiry; a session that runs longer than <c>NeonBranchExpiry</c> keeps them.
/// </summary>
internal sealed class NeonBranchKeepAlive : IAsyncDisposable
{
    private static readonly TimeSpan MinCheck = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxCheck = TimeSpan.FromSeconds(60);

    private readonly NeonApi _api;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Tracked> _tracked = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task? _loop;
    private long _extensions;

    public NeonBranchKeepAlive(NeonApi api, ILogger logger, TimeProvider time)
    {
        _api = api;
        _logger = logger;
        _time = time;
    }

    /// <summary>Expiries moved so far.</summary>
    public long Extensions => Interlocked.Read(ref _extensions);

    /// <summary>Keeps <paramref name="branch"/> alive with its lifetime <paramref name="lifetime"/> (from creation to its first expiry).</summary>
    public void Track(BranchFacts branch, TimeSpan lifetime)
    {
        if (branch.ExpiresAt is not { } expiresAt || lifetime <= TimeSpan.Zero)
        {
            return;
        }

        _tracked[branch.Id] = new Tracked(branch.Describe(), lifetime, expiresAt);
        lock (_gate)
        {
            _loop ??= Task.Run(RunAsync);
        }
    }

    /// <summary>Stops extending the branch (deleted, or handed over to its expiry on purpose).</summary>
    public void Forget(string branchId) => _tracked.TryRemove(branchId, out _);

    /// <summary>Records an expiry Neon reports (a restore restarts the countdown).</summary>
    public void Observe(BranchFacts branch)
    {
        if (branch.ExpiresAt is { } expiresAt && _tracked.TryGetValue(branch.Id, out var tracked) && expiresAt > tracked.ExpiresAt)
        {
            _tracked[branch.Id] = tracked with { ExpiresAt = expiresAt };
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Task? loop;
        lock (_gate)
        {
            loop = _loop;
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var shortest = _tracked.Values.Select(t => t.Lifetime).DefaultIfEmpty(MaxCheck * 4).Min();
                var check = TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 4, MinCheck.Ticks, MaxCheck.Ticks));
                await Task.Delay(check, _time, _stop.Token).ConfigureAwait(false);
                foreach (var (id, tracked) in _tracked.ToArray())
                {
                    var now = _time.GetUtcNow();
                    if (tracked.ExpiresAt - now > tracked.Lifetime / 2)
                    {
                        continue;
                    }

                    await ExtendAsync(id, tracked, now).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task ExtendAsync(string id, Tracked tracked, DateTimeOffset now)
    {
        var expiresAt = NeonBranchSafety.Expiry(now + tracked.Lifetime, now)!.Value;
        try
        {
            var body = new Api.BranchUpdateRequest { Branch = new Api.BranchUpdateRequestBranch { ExpiresAt = expiresAt } };
            var updated = await _api.CallAsync(
                $"extend the expiry of {tracked.Name}",
                ct => _api.Client.UpdateProjectBranchAsync(body, _api.ProjectId, id, ct),
                _stop.Token,
                mutating: true).ConfigureAwait(false);
            if (_tracked.ContainsKey(id))
            {
                _tracked[id] = tracked with { ExpiresAt = updated.Branch.ExpiresAt ?? expiresAt };
            }

            Interlocked.Increment(ref _extensions);
            _logger.LogDebug("Extended the expiry of Neon branch {Branch} to {ExpiresAt:u}: the session still uses it.", tracked.Name, expiresAt);
        }
        catch (NeonProviderException e) when (e.StatusCode == 404)
        {
            // Gone already (deleted by the session, or it lapsed): nothing to keep alive.
            Forget(id);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            _logger.LogWarning("Could not extend the expiry of Neon branch {Branch} ({Message}); the next check tries again, and it expires at {ExpiresAt:u} otherwise.",
                tracked.Name, _api.Scrubber.Scrub(e.Message), tracked.ExpiresAt);
        }
    }

    private sealed record Tracked(string Name, TimeSpan Lifetime, DateTimeOffset ExpiresAt);
}
