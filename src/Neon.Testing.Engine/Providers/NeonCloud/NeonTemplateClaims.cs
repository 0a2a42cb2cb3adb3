using Microsoft.Extensions.Logging;
using Api = Neon.Api;

namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>
/// Decides through Neon which of several runners (CI jobs that share nothing but the project) builds a migrated
/// template. Each runner that finds no template creates a claim: an empty branch <c>&lt;template&gt;-claim-&lt;session&gt;</c>
/// with a short expiry its session keeps extending, annotated with the template and session. The oldest live claim
/// (created_at, then id) builds; the others wait for the template to appear. A claim is judged only once a second
/// has passed since it was made: Neon stamps created_at in whole seconds, and by then every claim of the same
/// second or earlier is listed. The builder renames its template into place before it drops its claim, so a runner
/// that sees the claim gone also sees the template. A killed builder stops extending its claim; Neon deletes it at
/// its expiry and the next claim builds.
/// </summary>
internal sealed class NeonTemplateClaims(NeonApi api, ILogger logger, TimeProvider time)
{
    /// <summary>Lifetime of a claim; its session extends it while it lives.</summary>
    public TimeSpan ClaimLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a waiting runner looks at the claims (one list call each time), with up to a quarter more as jitter.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Neon's created_at resolution, plus a margin.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromMilliseconds(1100);

    /// <summary>The claim name's infix.</summary>
    public const string Infix = "-claim-";

    public async Task<IAsyncDisposable?> ClaimAsync(
        BranchFacts root,
        string templateName,
        string sessionId,
        Func<CancellationToken, Task<bool>> templateReady,
        TimeSpan timeout,
        Func<BranchFacts, TimeSpan, BranchFacts> remember,
        Func<BranchFacts, Task> release,
        CancellationToken cancellationToken)
    {
        var prefix = templateName + Infix;
        NeonBranchSafety.EnsureMayCreate(prefix + sessionId);
        var now = time.GetUtcNow();
        var body = new Api.CreateProjectBranchRequest
        {
            Branch = new Api.BranchCreateRequestBranch { Name = prefix + sessionId, ParentId = root.Id, ExpiresAt = NeonBranchSafety.Expiry(now + ClaimLifetime, now) },
            AnnotationValue = new Api.AnnotationValueData { ["neon-testing"] = "template-claim", ["template"] = templateName, ["session"] = sessionId },
        };
        var created = await api.CallAsync($"claim the build of '{templateName}'", ct => api.Client.CreateProjectBranchAsync(api.ProjectId, body, ct), cancellationToken, mutating: true).ConfigureAwait(false);
        var mine = remember(BranchFacts.From(created.Branch), ClaimLifetime);
        var claim = new Claim(mine, release);
        try
        {
            await Task.Delay(Settle, time, cancellationToken).ConfigureAwait(false);
            var deadline = time.GetUtcNow() + timeout;
            string? firstSeen = null;
            for (var poll = 0; ; poll++)
            {
                var listed = await api.CallAsync($"list the claims on '{templateName}'", ct => api.Client.ListProjectBranchesAsync(api.ProjectId, prefix, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
                var stamp = time.GetUtcNow();
                var first = listed.Branches
                    .Where(b => b.Name.StartsWith(prefix, StringComparison.Ordinal) && (b.ExpiresAt is null || b.ExpiresAt > stamp))
                    .OrderBy(b => b.CreatedAt ?? DateTimeOffset.MaxValue).ThenBy(b => b.Id, StringComparer.Ordinal)
                    .FirstOrDefault();
                if (first is null || first.Id == mine.Id)
                {
                    // Ours is the oldest claim: build, unless the last builder finished before dropping its claim.
                    if (await templateReady(cancellationToken).ConfigureAwait(false))
                    {
                        await claim.DisposeAsync().ConfigureAwait(false);
                        return null;
                    }

                    logger.LogInformation("This runner builds the migrated template {Template} (its claim {Claim} is the oldest).", templateName, mine.Name);
                    return claim;
                }

                // Another runner builds. Look for the template whenever the oldest claim changes (its builder finished or died).
                if (firstSeen != first.Id)
                {
                    if (firstSeen is not null && await templateReady(cancellationToken).ConfigureAwait(false))
                    {
                        await claim.DisposeAsync().ConfigureAwait(false);
                        return null;
                    }

                    firstSeen = first.Id;
                    logger.LogInformation("Waiting for another runner to build the migrated template {Template} (claim {Claim}).", templateName, first.Name);
                }

                if (time.GetUtcNow() > deadline)
                {
                    throw new NeonProviderException(
                        $"Waited {timeout.TotalMinutes:0.#} min for another runner to build the migrated template '{templateName}' (its claim '{first.Name}', {first.Id}, is still live). " +
                        "If no such run is active, delete that branch, or set NeonMigrationCacheExpiry=0 to migrate without the cache.");
                }

                var jitter = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * PollInterval.TotalMilliseconds / 4);
                await Task.Delay(PollInterval + jitter, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await claim.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A held claim; disposing deletes its branch (without waiting for Neon's operations to finish).</summary>
    private sealed class Claim(BranchFacts branch, Func<BranchFacts, Task> release) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                await release(branch).ConfigureAwait(false);
            }
        }
    }
}
