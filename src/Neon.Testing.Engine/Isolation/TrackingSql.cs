namespace Neon.Testing.Engine.Isolation;

/// <summary>The fixed SQL of change tracking: our schema's objects, the triggers' bodies, and the catalog fingerprint.</summary>
internal static class TrackingSql
{
    /// <summary>Bumped whenever the installed objects change shape; an older installation is rebuilt.</summary>
    public const int Version = 9;

    /// <summary>Serialises concurrent installs into one database ("neon" in ASCII).</summary>
    public const long InstallLockKey = 0x6E656F6E_7472616B;

    /// <summary>Transaction-local list (<c>,oid,oid,</c>) of the tables marked dirty in the current transaction.</summary>
    public const string MarkedSetting = "neon_testing.marked";

    /// <summary>
    /// Set (locally) while the tracker restores, so the DDL it issues itself is not logged as a schema change: 'on', or
    /// 'quiet' when nothing can cascade (replication role) and the tracking trigger may skip its work too.
    /// </summary>
    public const string RestoringSetting = "neon_testing.restoring";

    public static readonly string Tables = $"""
        CREATE TABLE {Sql.Ours("meta")} (
            version int NOT NULL,
            restore_mode text NOT NULL,
            ddl_detection text NOT NULL,
            fingerprint text NOT NULL,
            untracked text[] NOT NULL,
            installed_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE {Sql.Ours("tables")} (
            rel oid PRIMARY KEY,
            unit oid NOT NULL,
            schema_name name NOT NULL,
            table_name name NOT NULL,
            relkind "char" NOT NULL,
            baseline name,
            baseline_rows bigint NOT NULL DEFAULT 0,
            columns text[] NOT NULL,
            key_columns text[],
            key_log name);
        CREATE TABLE {Sql.Ours("sequences")} (
            seq oid PRIMARY KEY,
            schema_name name NOT NULL,
            sequence_name name NOT NULL,
            last_value bigint NOT NULL,
            is_called boolean NOT NULL,
            called_value bigint,
            owned boolean NOT NULL);
        -- Sequences a write to a table can move: owned by its columns or named in its column defaults.
        CREATE TABLE {Sql.Ours("table_sequences")} (rel oid NOT NULL, seq oid NOT NULL, PRIMARY KEY (rel, seq));
        -- One row per bump of the activity counter: a table's first write statement in a transaction (rel), or a logged
        -- schema change (rel = 0, tag = command tag). As many visible rows as bumps means every write committed.
        CREATE TABLE {Sql.Ours("dirty")} (rel oid NOT NULL, tag text);
        -- Bumped (outside any transaction's control) by the first write statement on a table in each transaction, even one
        -- that fails or is rolled back, and by every logged schema change: when it has not moved, nothing was marked dirty
        -- and no column's sequence moved.
        CREATE SEQUENCE {Sql.Ours("activity")};
        GRANT USAGE ON SCHEMA {Sql.Quote(Sql.Schema)} TO PUBLIC;
        GRANT SELECT, INSERT ON {Sql.Ours("dirty")} TO PUBLIC;
        GRANT USAGE, SELECT ON SEQUENCE {Sql.Ours("activity")} TO PUBLIC;
        """;

    /// <summary>
    /// BEFORE statement-level trigger: bumps the activity sequence and marks the trigger's arguments (table oids) dirty,
    /// once per table and transaction. BEFORE, so a statement that then fails (after its defaults took sequence values)
    /// still bumps the activity sequence. It only appends (no read), so it adds no predicate locks under SERIALIZABLE.
    /// </summary>
    public static readonly string MarkFunction = $$"""
        CREATE FUNCTION {{Sql.Ours("mark_dirty")}}() RETURNS trigger LANGUAGE plpgsql AS $neon$
        DECLARE
            marked text := nullif(current_setting('{{MarkedSetting}}', true), '');
            i int;
        BEGIN
            IF current_setting('{{RestoringSetting}}', true) = 'quiet' THEN
                RETURN NULL;
            END IF;
            IF marked IS NOT NULL AND position(',' || TG_ARGV[0] || ',' IN marked) > 0 THEN
                RETURN NULL;
            END IF;
            PERFORM nextval('{{Sql.Ours("activity")}}');
            INSERT INTO {{Sql.Ours("dirty")}} (rel) VALUES (TG_ARGV[0]::oid);
            FOR i IN 1 .. TG_NARGS - 1 LOOP
                -- Extra arguments (inheritance children) are marked without a bump of their own.
                INSERT INTO {{Sql.Ours("dirty")}} (rel, tag) VALUES (TG_ARGV[i]::oid, 'child');
            END LOOP;
            PERFORM set_config('{{MarkedSetting}}', coalesce(marked, ',') || TG_ARGV[0] || ',', true);
            RETURN NULL;
        END
        $neon$;
        """;

    /// <summary>Event trigger body: logs schema changes to user objects; temporary objects and our own schema are ignored.</summary>
    public static readonly string DdlFunction = $$"""
        CREATE FUNCTION {{Sql.Ours("log_ddl")}}() RETURNS event_trigger LANGUAGE plpgsql AS $neon$
        DECLARE
            total int := 0;
            relevant int := 0;
        BEGIN
            IF coalesce(current_setting('{{RestoringSetting}}', true), '') <> '' THEN
                RETURN;
            END IF;
            IF TG_EVENT = 'sql_drop' THEN
                SELECT count(*) INTO relevant FROM pg_event_trigger_dropped_objects() o
                WHERE NOT o.is_temporary AND o.schema_name IS DISTINCT FROM '{{Sql.Schema}}';
            ELSE
                SELECT count(*),
                       count(*) FILTER (WHERE o.schema_name IS NULL
                                           OR (o.schema_name NOT LIKE 'pg\_temp%' AND o.schema_name <> '{{Sql.Schema}}'))
                INTO total, relevant
                FROM pg_event_trigger_ddl_commands() o;
                -- DROP is reported by sql_drop; any other command that reports nothing is logged to be safe.
                IF total = 0 AND TG_TAG NOT LIKE 'DROP %' THEN
                    relevant := 1;
                END IF;
            END IF;
            IF relevant > 0 THEN
                PERFORM nextval('{{Sql.Ours("activity")}}');
                INSERT INTO {{Sql.Ours("dirty")}} (rel, tag) VALUES (0, TG_TAG);
            END IF;
        END
        $neon$;
        """;

    public static readonly string EventTriggers = $"""
        CREATE EVENT TRIGGER neon_testing_ddl_command_end ON ddl_command_end EXECUTE FUNCTION {Sql.Ours("log_ddl")}();
        CREATE EVENT TRIGGER neon_testing_sql_drop ON sql_drop EXECUTE FUNCTION {Sql.Ours("log_ddl")}();
        """;

    /// <summary>
    /// A cheap stamp of the catalogs the fingerprint reads, as text <c>count:fresh</c>: how many rows describe objects created
    /// after initdb (oid at least 16384, plus the few rows of small catalogs), and how many of them were written by a
    /// transaction that was not yet finished when the snapshot whose xmin is <paramref name="xmin"/> (a text parameter) was
    /// taken. Any schema change inserts, updates or deletes such a row: an insert or update leaves a fresh row (its xid is at
    /// least that xmin), a delete lowers the count. So an unchanged count with no fresh row proves the fingerprint unchanged.
    /// A superset of what the fingerprint covers (temporary objects, our schema): when the stamp moves, the fingerprint decides.
    /// pg_attribute's system-column rows (attnum below 1: six per table, sequence or toast table, often half its rows) are
    /// left out: the fingerprint does not read them, and they come and go only with their relation's pg_class row.
    /// Plain counts over simple filters, with no hashing or sorting: a fraction of the fingerprint's cost.
    /// </summary>
    public static string CatalogStamp(string xmin) => $"""
        SELECT count(*) || ':' || count(*) FILTER (WHERE pg_catalog.age(s.x) <= (SELECT pg_catalog.age({xmin}::text::xid))) FROM (
          SELECT n.xmin AS x FROM pg_catalog.pg_namespace n
          UNION ALL SELECT c.xmin FROM pg_catalog.pg_class c WHERE c.oid >= 16384
          UNION ALL SELECT a.xmin FROM pg_catalog.pg_attribute a WHERE a.attrelid >= 16384 AND a.attnum > 0
          UNION ALL SELECT d.xmin FROM pg_catalog.pg_attrdef d WHERE d.oid >= 16384
          UNION ALL SELECT k.xmin FROM pg_catalog.pg_constraint k WHERE k.oid >= 16384
          UNION ALL SELECT i.xmin FROM pg_catalog.pg_index i WHERE i.indexrelid >= 16384
          UNION ALL SELECT t.xmin FROM pg_catalog.pg_trigger t WHERE t.oid >= 16384
          UNION ALL SELECT r.xmin FROM pg_catalog.pg_rewrite r WHERE r.oid >= 16384
          UNION ALL SELECT p.xmin FROM pg_catalog.pg_policy p
          UNION ALL SELECT q.xmin FROM pg_catalog.pg_sequence q WHERE q.seqrelid >= 16384
          UNION ALL SELECT h.xmin FROM pg_catalog.pg_inherits h
          UNION ALL SELECT f.xmin FROM pg_catalog.pg_proc f WHERE f.oid >= 16384
          UNION ALL SELECT y.xmin FROM pg_catalog.pg_type y WHERE y.oid >= 16384
          UNION ALL SELECT e.xmin FROM pg_catalog.pg_enum e
          UNION ALL SELECT o.xmin FROM pg_catalog.pg_operator o WHERE o.oid >= 16384
          UNION ALL SELECT e.xmin FROM pg_catalog.pg_extension e
          UNION ALL SELECT q.xmin FROM pg_catalog.pg_default_acl q) s
        """;

    /// <summary>
    /// <see cref="CatalogStamp"/> and <see cref="Fingerprint"/> as functions, which the check after each test calls only
    /// when the transaction horizon or the stamp moved. Written inline in the check, their ~40 catalog scans were locked
    /// and set up by every execution of it, taken or not: 0.27 ms for a clean check instead of 0.1 ms. Everything that
    /// runs on an installation of this version calls them; only the up-to-date test of an installation of any version
    /// (<see cref="ExistingInstallation"/>) writes the fingerprint inline.
    /// </summary>
    public static readonly string CatalogFunctions = $"""
        CREATE FUNCTION {Sql.Ours("catalog_stamp")}(bound text) RETURNS text LANGUAGE plpgsql STABLE AS $neon$
        BEGIN
            RETURN ({CatalogStamp("bound")});
        END $neon$;
        CREATE FUNCTION {Sql.Ours("catalog_fingerprint")}() RETURNS text LANGUAGE plpgsql STABLE AS $neon$
        BEGIN
            RETURN ({Fingerprint});
        END $neon$;
        """;

    /// <summary>
    /// What the writes since the last reset left, as a JSON array of <c>[kind, id, size, info]</c>: 1 a table marked dirty
    /// and its heap size, 3 a logged schema change and its command tag, 2 a moved sequence, 4 another backend of the
    /// database left inside a transaction. The check after each test calls it only when the activity counter moved (or
    /// a sequence no column owns may have): a clean check stays one small expression, and a check after writes still
    /// finds them in the same round trip. Written inline in the check, its scans were locked and set up by every
    /// execution, taken or not (0.49 ms for a clean check instead of 0.3 ms), and two statements (read the counter,
    /// then look) cost a test that wrote a round trip more.
    /// The marks are read when the counter moved from <c>p_last</c>; when every bump has its mark ("settled": every write
    /// since the last reset committed), only the sequences of the marked tables, otherwise every sequence owned by a
    /// column plus the scan for other backends left inside a transaction (which copies every backend's status entry).
    /// Standalone sequences are always read. STABLE, so it reads the calling statement's snapshot.
    /// </summary>
    public static readonly string ChangesFunction = $$"""
        CREATE FUNCTION {{Sql.Ours("changes")}}(p_db oid, p_activity int8, p_last int8, p_always_sequences boolean) RETURNS jsonb
        LANGUAGE plpgsql STABLE AS $neon$
        BEGIN
            RETURN (
                WITH marks AS MATERIALIZED (SELECT rel, tag FROM {{Sql.Ours("dirty")}} WHERE p_activity <> p_last),
                     settled AS MATERIALIZED (SELECT p_activity - p_last = count(*) FILTER (WHERE tag IS DISTINCT FROM 'child') AS yes FROM marks)
                SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(r.kind, r.id, r.size, r.info)), '[]') FROM (
                    SELECT CASE WHEN d.rel = 0 THEN 3 ELSE 1 END AS kind, d.rel::int8 AS id, CASE WHEN d.rel <> 0 THEN pg_catalog.pg_relation_size(d.rel) END AS size, d.tag AS info
                    FROM (SELECT DISTINCT rel, CASE WHEN rel = 0 THEN tag END AS tag FROM marks) d
                    UNION ALL
                    SELECT 2, s.seq::int8, NULL, NULL FROM {{Sql.Ours("sequences")}} s
                    WHERE s.owned AND CASE WHEN p_always_sequences OR (p_activity <> p_last AND (NOT (SELECT yes FROM settled)
                                                OR s.seq IN (SELECT q.seq FROM {{Sql.Ours("table_sequences")}} q WHERE q.rel IN (SELECT rel FROM marks))))
                                           THEN pg_catalog.pg_sequence_last_value(s.seq::regclass) IS DISTINCT FROM s.called_value ELSE false END
                    UNION ALL
                    SELECT 2, s.seq::int8, NULL, NULL FROM {{Sql.Ours("sequences")}} s
                    WHERE NOT s.owned AND pg_catalog.pg_sequence_last_value(s.seq::regclass) IS DISTINCT FROM s.called_value
                    UNION ALL
                    SELECT 4, a.pid::int8, NULL, NULL FROM pg_catalog.pg_stat_get_activity(NULL) a
                    WHERE p_activity <> p_last AND NOT (SELECT yes FROM settled) AND a.datid = p_db AND a.pid <> pg_catalog.pg_backend_pid()
                      AND a.xact_start IS NOT NULL AND a.backend_type = 'client backend') r);
        END $neon$;
        """;

    /// <summary>Calls the installed <see cref="ChangesFunction"/> with these SQL expressions as its arguments.</summary>
    public static string CallChanges(string database, string activity, string last, string alwaysSequences) =>
        $"{Sql.Ours("changes")}({database}, {activity}, {last}, {alwaysSequences})";

    /// <summary>The activity counter's value (0 when never bumped); it reads the sequence outside any transaction's view.</summary>
    public static readonly string ReadActivity = $"coalesce(pg_catalog.pg_sequence_last_value({Sql.Literal(Sql.Ours("activity"))}::regclass), 0)";

    /// <summary>Calls the installed <see cref="CatalogStamp"/> with the bound <paramref name="xmin"/> (a text expression).</summary>
    public static string CallCatalogStamp(string xmin) => $"{Sql.Ours("catalog_stamp")}({xmin})";

    /// <summary>Calls the installed <see cref="Fingerprint"/>.</summary>
    public static readonly string CallFingerprint = $"{Sql.Ours("catalog_fingerprint")}()";

    /// <summary>
    /// The whole snapshot (xmin, xmax and the transactions in progress), hashed. Every schema change takes a transaction id
    /// and commits: if the snapshot is the same as at the last check, no transaction was given an id and none that was in
    /// progress then has finished since, so the catalogs read the same. The next transaction id alone (xmax) is not enough:
    /// a transaction that changed the schema while the last check ran commits later without moving it.
    /// </summary>
    public const string SnapshotHash = "pg_catalog.hashtextextended(pg_catalog.pg_current_snapshot()::text, 0)";

    /// <summary>
    /// The oldest transaction still running when the statement's snapshot was taken (the stamp's next bound), as a 32-bit
    /// xid (the 64-bit value without its epoch, which the xid type would refuse).
    /// </summary>
    public const string SnapshotXmin = "(pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text::int8 % 4294967296)";

    /// <summary>
    /// A fingerprint of the catalog rows describing user objects (temporary objects and our schema excluded).
    /// pg_class rows are hashed by content because TRUNCATE, VACUUM FULL and REINDEX rewrite them (new relfilenode) without
    /// changing the schema; every other catalog contributes (xmin, count) groups: any DDL writes a row with a new xmin or
    /// removes rows. VACUUM and ANALYZE update catalogs in place, which keeps xmin.
    /// </summary>
    public const string Fingerprint = """
        WITH ns AS MATERIALIZED (
          SELECT n.oid FROM pg_catalog.pg_namespace n
          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'neon_testing')
            AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'),
        rel AS MATERIALIZED (
          SELECT c.oid, c.relkind,
                 hashtextextended(concat_ws('|', c.relname, c.relnamespace, c.relowner, c.relacl, c.reloptions, c.relpersistence,
                     c.relrowsecurity, c.relforcerowsecurity, c.relreplident, c.reltablespace, c.relkind,
                     CASE WHEN c.relkind = 'm' THEN c.relfilenode END), c.oid::int8) AS h
          FROM pg_catalog.pg_class c WHERE c.oid >= 16384 AND c.relnamespace IN (SELECT oid FROM ns)),
        x AS (
          SELECT n.xmin FROM pg_catalog.pg_namespace n WHERE n.oid IN (SELECT oid FROM ns)
          UNION ALL SELECT a.xmin FROM pg_catalog.pg_attribute a WHERE a.attrelid IN (SELECT oid FROM rel WHERE relkind IN ('r', 'p', 'v', 'm', 'f', 'c')) AND a.attnum > 0
          UNION ALL SELECT d.xmin FROM pg_catalog.pg_attrdef d WHERE d.adrelid IN (SELECT oid FROM rel)
          UNION ALL SELECT k.xmin FROM pg_catalog.pg_constraint k WHERE k.oid >= 16384 AND k.connamespace IN (SELECT oid FROM ns)
          UNION ALL SELECT i.xmin FROM pg_catalog.pg_index i WHERE i.indexrelid >= 16384 AND i.indrelid IN (SELECT oid FROM rel)
          UNION ALL SELECT t.xmin FROM pg_catalog.pg_trigger t WHERE t.oid >= 16384 AND t.tgrelid IN (SELECT oid FROM rel)
          UNION ALL SELECT r.xmin FROM pg_catalog.pg_rewrite r WHERE r.oid >= 16384 AND r.ev_class IN (SELECT oid FROM rel)
          UNION ALL SELECT p.xmin FROM pg_catalog.pg_policy p WHERE p.polrelid IN (SELECT oid FROM rel)
          UNION ALL SELECT s.xmin FROM pg_catalog.pg_sequence s WHERE s.seqrelid >= 16384 AND s.seqrelid IN (SELECT oid FROM rel)
          UNION ALL SELECT h.xmin FROM pg_catalog.pg_inherits h WHERE h.inhrelid IN (SELECT oid FROM rel)
          UNION ALL SELECT f.xmin FROM pg_catalog.pg_proc f WHERE f.oid >= 16384 AND f.pronamespace IN (SELECT oid FROM ns)
          UNION ALL SELECT y.xmin FROM pg_catalog.pg_type y WHERE y.oid >= 16384 AND y.typnamespace IN (SELECT oid FROM ns)
          UNION ALL SELECT e.xmin FROM pg_catalog.pg_enum e WHERE e.oid >= 16384
          UNION ALL SELECT o.xmin FROM pg_catalog.pg_operator o WHERE o.oid >= 16384 AND o.oprnamespace IN (SELECT oid FROM ns)
          UNION ALL SELECT e.xmin FROM pg_catalog.pg_extension e
          UNION ALL SELECT q.xmin FROM pg_catalog.pg_default_acl q),
        g AS (SELECT x.xmin, count(*) AS n FROM x GROUP BY x.xmin)
        SELECT md5((SELECT count(*) || ':' || coalesce(sum(h), 0) FROM rel)
            || ' ' || coalesce((SELECT string_agg(g.xmin::text || '*' || g.n, ',' ORDER BY g.xmin::text) FROM g), ''))
        """;
}
