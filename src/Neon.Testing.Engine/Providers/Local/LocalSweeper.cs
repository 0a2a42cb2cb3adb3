using Microsoft.Extensions.Logging;
using Npgsql;

namespace Neon.Testing.Engine.Providers.Local;

/// <summary>
/// Removes what earlier sessions left behind, once their owner no longer holds its liveness lock: the branches and
/// read-only roles of a run that died without cleaning up (at once), expired ones, and unfinished templates. <c>drop</c> removes one branch database with its read-only clone and role.
/// </summary>
internal sealed class LocalSweeper(LocalServerAdmin admin, ILogger logger, Func<string, CancellationToken, Task> drop)
{
    /// <summary>
    /// Drops our databases and roles whose owning session is gone: at once when that session died without cleaning up
    /// (its liveness lock is gone, so it can never use them again), else once expired; and unfinished templates. Never
    /// what a live session owns, a completed template (a cache, retired by its expiry), or a branch kept on purpose
    /// (a failed test's, <c>NeonKeepBranches</c>), which waits for its expiry. Returns how many went.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        // Listed before the owners are read: an owner takes its lock before it creates anything, so whatever is listed
        // here belongs to an owner that either shows in the locks read next or is gone for good. (Read the other way
        // round, a session starting in between would lose its first branch.)
        var marked = await admin.ListMarkedAsync(cancellationToken).ConfigureAwait(false);
        var roles = await ListMarkedRolesAsync(cancellationToken).ConfigureAwait(false);
        var live = await LiveOwnersAsync(cancellationToken).ConfigureAwait(false);

        var now = DateTimeOffset.UtcNow;
        var swept = 0;
        foreach (var (name, marker) in marked)
        {
            if (WhyGone(name, marker, live, now) is not { } why)
            {
                continue;
            }

            try
            {
                await drop(name, cancellationToken).ConfigureAwait(false);
                swept++;
                logger.LogInformation("Swept {Branch} ({Why}).", name, why);
            }
            catch (PostgresException e)
            {
                logger.LogWarning("Could not sweep {Branch}: {Message}", name, e.MessageText);
            }
        }

        swept += await SweepRolesAsync(roles, live, now, cancellationToken).ConfigureAwait(false);
        return swept;
    }

    /// <summary>Why <paramref name="name"/> may go now, or <see langword="null"/> when it stays.</summary>
    internal static string? WhyGone(string name, DatabaseMarker marker, IReadOnlySet<string> live, DateTimeOffset now)
    {
        if (marker.Session is not null && live.Contains(marker.Session))
        {
            return null;
        }

        if (marker.Expires is { } expires && expires < now)
        {
            return $"expired {expires:u}";
        }

        // A template whose builder is gone was never completed: no one can finish or reuse it.
        if (BranchNames.IsTemplateBuild(name) && marker.Session is not null)
        {
            return "an unfinished template of a run that is gone";
        }

        // A run killed before its cleanup: nothing can reach its branches any more, so they need not wait for their expiry.
        if (marker.Session is not null && !marker.Kept && !IsTemplate(name) && marker.Kind is "branch" or "read-only" or "read-only-role")
        {
            return "left by a run that ended without cleaning up";
        }

        return null;
    }

    private static bool IsTemplate(string name) => name.StartsWith(BranchNames.Prefix + "template-", StringComparison.Ordinal);

    private async Task<HashSet<string>> LiveOwnersAsync(CancellationToken cancellationToken)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        await using var command = admin.CreateCommand("SELECT objid::text FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid AND granted");
        command.Parameters.AddWithValue((long)LocalBranchProvider.LivenessLockClass);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            live.Add(reader.GetString(0));
        }

        return live;
    }

    private async Task<List<(string Role, DatabaseMarker Marker)>> ListMarkedRolesAsync(CancellationToken cancellationToken)
    {
        var roles = new List<(string, DatabaseMarker)>();
        await using var command = admin.CreateCommand("SELECT rolname, shobj_description(oid, 'pg_authid') FROM pg_roles WHERE starts_with(rolname, $1)");
        command.Parameters.AddWithValue(BranchNames.Prefix);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (DatabaseMarker.TryParse(reader.IsDBNull(1) ? null : reader.GetString(1)) is { } marker)
            {
                roles.Add((reader.GetString(0), marker));
            }
        }

        return roles;
    }

    private async Task<int> SweepRolesAsync(List<(string Role, DatabaseMarker Marker)> marked, HashSet<string> live, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var roles = marked.Where(r => WhyGone(r.Role, r.Marker, live, now) is not null).Select(r => r.Role).ToList();
        var swept = 0;
        foreach (var role in roles)
        {
            try
            {
                await admin.ExecuteAsync($"DROP ROLE IF EXISTS {PgIdentifier.Quote(role)}", cancellationToken).ConfigureAwait(false);
                swept++;
            }
            catch (PostgresException e)
            {
                // Still owns objects in a database that is not ours: leave it.
                logger.LogWarning("Could not sweep role {Role}: {Message}", role, e.MessageText);
            }
        }

        return swept;
    }
}
