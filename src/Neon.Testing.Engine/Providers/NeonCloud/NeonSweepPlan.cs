namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>
/// Which of the project's branches the sweeper deletes, children before parents. A branch goes
/// when it is ours, not this session's, and expired: past its <c>expires_at</c>, or, without one
/// (branches with children cannot expire on Neon), older than the expiry window. It stays when a
/// live session holds it: a child of it that is not going, or (checked by the caller, as it costs
/// a call) an active compute endpoint.
/// </summary>
internal static class NeonSweepPlan
{
    /// <summary>Names of cached migrated templates, which live for the migration cache expiry instead.</summary>
    public const string TemplatePrefix = NeonBranchSafety.Prefix + "template-";

    public sealed record Candidate(BranchFacts Branch, string Reason, bool NeedsLivenessCheck);

    public static IReadOnlyList<Candidate> Select(
        IReadOnlyList<BranchFacts> branches,
        DateTimeOffset now,
        IReadOnlySet<string> ownSession,
        string? rootId,
        TimeSpan branchExpiry,
        TimeSpan templateExpiry)
    {
        ArgumentNullException.ThrowIfNull(branches);
        ArgumentNullException.ThrowIfNull(ownSession);
        var expired = new Dictionary<string, Candidate>(StringComparer.Ordinal);
        foreach (var branch in branches)
        {
            if (!NeonBranchSafety.IsOurs(branch.Name) || branch.IsDefault || branch.Id == rootId || ownSession.Contains(branch.Id))
            {
                continue;
            }

            if (branch.ExpiresAt is { } expiresAt)
            {
                if (expiresAt <= now)
                {
                    expired[branch.Id] = new Candidate(branch, $"expired at {expiresAt:u}", NeedsLivenessCheck: false);
                }

                continue;
            }

            // Without a creation time its age is unknown: leave it rather than guess.
            // A template lives for the migration cache's expiry; one still being built under its temporary name only
            // as long as any branch of a session (its builder's active compute keeps it while the build runs).
            var window = branch.Name.StartsWith(TemplatePrefix, StringComparison.Ordinal) && !BranchNames.IsTemplateBuild(branch.Name) ? templateExpiry : branchExpiry;
            if (window > TimeSpan.Zero && branch.CreatedAt is { } createdAt && createdAt + window <= now)
            {
                expired[branch.Id] = new Candidate(branch, $"created {createdAt:u}, older than {window.TotalMinutes:0.#} min", NeedsLivenessCheck: true);
            }
        }

        // A child that stays (live, or not ours) holds its parent, and so on up the tree.
        var byId = branches.ToDictionary(b => b.Id, StringComparer.Ordinal);
        foreach (var child in branches.Where(b => !expired.ContainsKey(b.Id)))
        {
            for (var parentId = child.ParentId; parentId is not null && byId.TryGetValue(parentId, out var parent); parentId = parent.ParentId)
            {
                expired.Remove(parentId);
            }
        }

        int Depth(BranchFacts branch)
        {
            var depth = 0;
            for (var parentId = branch.ParentId; parentId is not null && byId.TryGetValue(parentId, out var parent) && depth < branches.Count; parentId = parent.ParentId)
            {
                depth++;
            }

            return depth;
        }

        return expired.Values.OrderByDescending(c => Depth(c.Branch)).ThenBy(c => c.Branch.Name, StringComparer.Ordinal).ToList();
    }
}
