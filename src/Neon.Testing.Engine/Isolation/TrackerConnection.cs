using Npgsql;

namespace Neon.Testing.Engine.Isolation;

/// <summary>The connections change tracking opens for itself.</summary>
internal static class TrackerConnection
{
    /// <summary>
    /// Connections to the database of <paramref name="connectionString"/> for change tracking (see <see cref="Dedicated"/>),
    /// without Npgsql's load of the server's type catalog: change tracking reads built-in types only (<c>"char"</c> and
    /// <c>regclass</c> columns are cast to <c>text</c> and <c>oid</c>), and the load cost every branch's first tracker
    /// connection a query of 20-40 ms on the server, on the session start's path for the first.
    /// </summary>
    public static NpgsqlDataSource DataSource(string connectionString, string applicationName, bool autoPrepare = false) =>
        OwnDataSource.Create(Dedicated(connectionString, applicationName, autoPrepare));

    /// <summary>
    /// The caller's connection string, unpooled (a pooled connection could be handed to the code under test, and
    /// <see cref="NpgsqlConnection.ClearAllPools"/> must never close ours), named so it is recognisable in pg_stat_activity.
    /// </summary>
    private static string Dedicated(string connectionString, string applicationName, bool autoPrepare)
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
