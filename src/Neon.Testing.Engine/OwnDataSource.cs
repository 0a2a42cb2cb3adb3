using Npgsql;

namespace Neon.Testing.Engine;

/// <summary>
/// Data sources for the connections Neon.Testing opens for itself (server administration, change tracking), which
/// read only built-in types: they skip Npgsql's load of the server's type catalog, a query and its parsing for every
/// new connection string. Never for connections handed to tests, whose types may be the application's own.
/// </summary>
internal static class OwnDataSource
{
    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConfigureTypeLoading(types => types.EnableTypeLoading(false));
        return builder.Build();
    }
}
