using Microsoft.Extensions.Logging;
using Npgsql;

namespace Neon.Testing.Engine.Providers.Local;

/// <summary>
/// Removes what earlier sessions left behind: expired branches, read-only roles and unfinished templates whose owner no
/// longer holds its liveness lock. <c>drop</c> removes one branch database with its read-only clone and role.
/// </summary>
internal sealed class LocalSweeper(LocalServerAdmin admin, ILogger logger, Func<string, CancellationToken, Task> drop)
{
    /// <summary>Drops our expired databases and roles, and unfinished templates, whose owning session is gone; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = admin.CreateCommand("SELECT objid::text FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid AND granted"))
        {
            command.Parameters.AddWithValue((long)LocalBranchProvider.LivenessLockClass);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                live.Add(reader.GetString(0));
            }
        }

        var now = DateTimeOffset.UtcNow;
        var swept = 0;
        foreach (var (name, marker) in await admin.ListMarkedAsync(cancellationToken).ConfigureAwait(false))
        {
            var ownerAlive = marker.Session is not null && live.Contains(marker.Session);
            var expired = marker.Expires is { } expires && expires < now;

            // A template whose builder is gone was never completed: no one can finish or reuse it.
            var abandonedBuild = BranchNames.IsTemplateBuild(name) && marker.Session is not null;
            if ((expired || abandonedBuild) && !ownerAlive)
            {
                try
                {
                    await drop(name, cancellationToken).ConfigureAwait(false);
                    swept++;
                    logger.LogInformation("Swept {Branch} ({Why}).", name, expired ? $"expired {marker.Expires:u}" : "an unfinished template of a run that is gone");
                }
                catch (PostgresException e)
                {
                    logger.LogWarning("Could not sweep {Branch}: {Message}", name, e.MessageText);
                }
            }
        }

        swept += await SweepRolesAsync(live, now, cancellationToken).ConfigureAwait(false);
        return swept;
    }

    private async Task<int> SweepRolesAsync(HashSet<string> live, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var roles = new List<string>();
        await using (var command = admin.CreateCommand("SELECT rolname, shobj_description(oid, 'pg_authid') FROM pg_roles WHERE starts_with(rolname, $1)"))
        {
            command.Parameters.AddWithValue(BranchNames.Prefix);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var marker = DatabaseMarker.TryParse(reader.IsDBNull(1) ? null : reader.GetString(1));
                var alive = marker?.Session is not null && live.Contains(marker.Session);
                if (marker?.Expires is { } expires && expires < now && !alive)
                {
                    roles.Add(reader.GetString(0));
                }
            }
        }

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
