using Microsoft.Extensions.Logging;
using Neon.Testing.Engine.Providers;
using Neon.Testing.Engine.Providers.Local;
using Npgsql;

namespace Neon.Testing.Engine;

/// <summary>
/// What a user does by hand between runs (the SDK's <c>NeonBranches</c>, <c>NeonSweep</c> and <c>NeonStopServer</c>
/// targets): see our branches with a command that opens each, remove the expired ones and those of dead runs, stop the
/// embedded server. Only ours: branches with our prefix and marker; a server only the embedded one, and only while
/// no test session holds it.
/// </summary>
public static class BranchMaintenance
{
    /// <summary>Our branches on the configured provider, oldest first, each with a command that opens it (no secret in it).</summary>
    public static async Task<IReadOnlyList<ListedBranch>> ListAsync(NeonTestingOptions options, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var provider = await BranchProviderFactory.CreateAsync(options, logger, cancellationToken).ConfigureAwait(false);
        var branches = await provider.ListOurBranchesAsync(cancellationToken).ConfigureAwait(false);
        return [.. branches
            .OrderBy(b => b.CreatedAt ?? DateTimeOffset.MaxValue)
            .ThenBy(b => b.Name, StringComparer.Ordinal)
            .Select(b => new ListedBranch(b.Name, b.CreatedAt, b.ExpiresAt, provider.HowToOpen(b)))];
    }

    /// <summary>Deletes our branches whose expiry has passed (on the local engine also those of runs that have ended); returns how many went.</summary>
    public static async Task<int> SweepAsync(NeonTestingOptions options, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var provider = await BranchProviderFactory.CreateAsync(options, logger, cancellationToken).ConfigureAwait(false);
        return await provider.SweepExpiredAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the embedded PostgreSQL of these settings, unless a test session is using it.</summary>
    /// <exception cref="NeonConfigurationException">The settings name a server of the user's (<c>NeonLocalConnectionString</c>) or Neon: not ours to stop.</exception>
    public static async Task<ServerStopResult> StopEmbeddedServerAsync(NeonTestingOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ResolvedProvider != ProviderKind.Local || !string.IsNullOrEmpty(options.LocalConnectionString))
        {
            throw new NeonConfigurationException(NeonSettings.LocalConnectionString,
                "Only the embedded PostgreSQL can be stopped: these settings use " + (options.ResolvedProvider == ProviderKind.Local ? "your own server (NeonLocalConnectionString)" : "Neon") + ", which is not ours to stop.");
        }

        var binaries = PostgresBinaries.Find();
        var root = Path.GetFullPath(options.LocalDataDirectory ?? EmbeddedPostgres.DefaultRootDirectory(binaries.MajorVersion));
        var dataDirectory = Path.Combine(root, "data");
        var port = ClusterProbe.ReadRunningPort(dataDirectory);
        var passwordFile = Path.Combine(root, EmbeddedPostgres.PasswordFileName);
        if (port is null || !File.Exists(passwordFile))
        {
            return new ServerStopResult(root, Stopped: false, WasRunning: false, LiveSessions: 0);
        }

        var password = (await File.ReadAllTextAsync(passwordFile, cancellationToken).ConfigureAwait(false)).Trim();
        var sessions = await CountLiveSessionsAsync(EmbeddedPostgres.AdminConnectionStringFor(port.Value, password), cancellationToken).ConfigureAwait(false);
        if (sessions > 0)
        {
            return new ServerStopResult(root, Stopped: false, WasRunning: true, LiveSessions: sessions);
        }

        var stopped = await EmbeddedPostgres.StopAsync(root, cancellationToken).ConfigureAwait(false);
        return new ServerStopResult(root, stopped, WasRunning: true, LiveSessions: 0);
    }

    private static async Task<int> CountLiveSessionsAsync(string adminConnectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid AND granted", connection);
        command.Parameters.AddWithValue((long)LocalBranchProvider.LivenessLockClass);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }
}
