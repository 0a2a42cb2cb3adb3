using Npgsql;

namespace Neon.Testing.Engine.Isolation;

/// <summary>Connection strings for the connections change tracking opens for itself.</summary>
internal static class TrackerConnection
{
    /// <summary>
    /// The caller's connection string, unpooled (a pooled connection could be handed to the code under test, and
    /// <see cref="NpgsqlConnection.ClearAllPools"/> must never close ours), named so it is recognisable in pg_stat_activity.
    /// </summary>
    public static string Dedicated(string connectionString, string applicationName, bool autoPrepare = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            Enlist = false,
            Multiplexing = false,
            ApplicationName = applicationName,
        };
        if (autoPrepare)
        {
            // The same tests touch the same tables run after run: their restore statements are planned once.
            builder.MaxAutoPrepare = 256;
            builder.AutoPrepareMinUsages = 2;
        }

        return builder.ConnectionString;
    }

    /// <summary>The database name, for log messages (never the whole connection string, which may hold a password).</summary>
    public static string DatabaseName(string connectionString)
        => new NpgsqlConnectionStringBuilder(connectionString).Database ?? "(default database)";
}
