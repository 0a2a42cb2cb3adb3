using Npgsql;
using NpgsqlTypes;

namespace Neon.Testing.Engine.Isolation;

/// <summary>
/// The keys of a seeded table's rows that writes touched since the last reset, so its restore reads and writes in
/// proportion to what the test changed rather than to the table (a 1-row change in a 1M-row table costs index probes,
/// not a join of the table with its baseline). AFTER statement triggers with transition tables append the old and new
/// keys of every insert, update and delete (foreign-key actions, MERGE and COPY included); a TRUNCATE appends every
/// baseline key. Only for ordinary keyed tables outside inheritance: a statement on an inheritance parent fires only
/// the parent's triggers, so a child's log could miss rows.
/// </summary>
internal static class ChangedKeyLog
{
    /// <summary>Prefix of the trigger names; tracking's own triggers are not the user's, so restores never disable them.</summary>
    public const string TriggerPrefix = "neon_testing_keys_";

    /// <summary>The log table's name in our schema.</summary>
    public static string Name(uint table) => "k_" + table.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Whether <paramref name="table"/> takes part in inheritance as parent or child.</summary>
    public static async Task<bool> InInheritanceAsync(NpgsqlConnection connection, uint table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits WHERE inhrelid = $1 OR inhparent = $1)", connection);
        command.Parameters.Add(new() { Value = table, NpgsqlDbType = NpgsqlDbType.Oid });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Creates the log of <paramref name="table"/> (<paramref name="qualified"/>), its triggers, and the unique index on
    /// the key of its <paramref name="baseline"/> that the restore probes.
    /// </summary>
    public static async Task CreateAsync(NpgsqlConnection connection, uint table, string qualified, string baseline, IReadOnlyList<string> key, CancellationToken cancellationToken)
    {
        var log = Sql.Ours(Name(table));
        var keys = Sql.Columns(key);
        var function = Sql.Ours(Name(table) + "_log");
        var truncated = Sql.Ours(Name(table) + "_truncate");
        await SqlExecution.ExecuteAsync(connection, $"""
            CREATE TABLE {log} AS SELECT {keys} FROM {Sql.Ours(baseline)} WITH NO DATA;
            GRANT INSERT ON {log} TO PUBLIC;
            CREATE UNIQUE INDEX ON {Sql.Ours(baseline)} ({keys});
            CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $neon$
            BEGIN
                IF coalesce(current_setting('{TrackingSql.RestoringSetting}', true), '') <> '' THEN
                    RETURN NULL;
                END IF;
                IF TG_OP <> 'INSERT' THEN
                    INSERT INTO {log} ({keys}) SELECT {keys} FROM neon_old;
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    INSERT INTO {log} ({keys}) SELECT {keys} FROM neon_new;
                END IF;
                RETURN NULL;
            END
            $neon$;
            -- Definer's rights: the baseline is ours alone, and a TRUNCATE by any role must log all of its keys.
            CREATE FUNCTION {truncated}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $neon$
            BEGIN
                IF coalesce(current_setting('{TrackingSql.RestoringSetting}', true), '') = '' THEN
                    INSERT INTO {log} ({keys}) SELECT {keys} FROM {Sql.Ours(baseline)};
                END IF;
                RETURN NULL;
            END
            $neon$;
            REVOKE ALL ON FUNCTION {truncated}() FROM PUBLIC;
            CREATE TRIGGER {Sql.Quote(TriggerPrefix + "insert")} AFTER INSERT ON {qualified} REFERENCING NEW TABLE AS neon_new FOR EACH STATEMENT EXECUTE FUNCTION {function}();
            CREATE TRIGGER {Sql.Quote(TriggerPrefix + "update")} AFTER UPDATE ON {qualified} REFERENCING OLD TABLE AS neon_old NEW TABLE AS neon_new FOR EACH STATEMENT EXECUTE FUNCTION {function}();
            CREATE TRIGGER {Sql.Quote(TriggerPrefix + "delete")} AFTER DELETE ON {qualified} REFERENCING OLD TABLE AS neon_old FOR EACH STATEMENT EXECUTE FUNCTION {function}();
            CREATE TRIGGER {Sql.Quote(TriggerPrefix + "truncate")} AFTER TRUNCATE ON {qualified} FOR EACH STATEMENT EXECUTE FUNCTION {truncated}();
            """, cancellationToken).ConfigureAwait(false);

        // ALWAYS: still fires when the code under test runs with session_replication_role = replica.
        foreach (var trigger in new[] { "insert", "update", "delete", "truncate" })
        {
            await SqlExecution.TryInSavepointAsync(connection, $"ALTER TABLE ONLY {qualified} ENABLE ALWAYS TRIGGER {Sql.Quote(TriggerPrefix + trigger)}", cancellationToken).ConfigureAwait(false);
        }
    }
}
