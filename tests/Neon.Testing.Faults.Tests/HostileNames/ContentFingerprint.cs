using System.Text;
using Npgsql;

namespace Neon.Testing.Faults.Tests.HostileNames;

/// <summary>
/// Everything a test could see of a database's user data, as one text: every table, partition and materialized view
/// (rows, checksum), every sequence's position and the column list of every relation. Equal texts, equal databases.
/// </summary>
internal static class ContentFingerprint
{
    public static async Task<string> OfAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        var relations = new List<(string Schema, string Name, char Kind)>();
        await using (var list = new NpgsqlCommand("""
            SELECT n.nspname, c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'm', 'S', 'v') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'neon_testing')
              AND n.nspname NOT LIKE 'pg\_%'
            ORDER BY 1, 2
            """, connection))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                relations.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)[0]));
            }
        }

        var text = new StringBuilder();
        foreach (var (schema, name, kind) in relations)
        {
            var quoted = $"{Quote(schema)}.{Quote(name)}";
            var sql = kind switch
            {
                'S' => $"SELECT last_value || '/' || is_called FROM {quoted}",
                'v' => $"SELECT 'view ' || md5(pg_get_viewdef('{quoted.Replace("'", "''", StringComparison.Ordinal)}'::regclass))",
                _ => $"SELECT count(*) || ' ' || coalesce(md5(string_agg(r::text, ',' ORDER BY r::text)), '') FROM ONLY {quoted} r",
            };
            await using var command = new NpgsqlCommand(sql, connection);
            text.Append(kind).Append(' ').Append(quoted).Append(": ").Append(await command.ExecuteScalarAsync(cancellationToken)).Append('\n');
        }

        await using (var columns = new NpgsqlCommand("""
            SELECT string_agg(table_schema || '.' || table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_schema, table_name, ordinal_position)
            FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'neon_testing')
            """, connection))
        {
            text.Append("columns ").Append(await columns.ExecuteScalarAsync(cancellationToken));
        }

        return text.ToString();
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
