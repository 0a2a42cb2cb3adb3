namespace Neon.Testing.Faults.Tests.HostileNames;

/// <summary>
/// A migration full of names and table shapes that break naive SQL: quotes, spaces, uppercase, reserved words, `;`,
/// unicode and 63-byte identifiers in schemas, tables, columns and sequences; a partitioned table, a generated column,
/// a table without a primary key (with duplicate rows), a view, a materialized view and an extension-owned table with
/// seed rows (as PostGIS's <c>spatial_ref_sys</c>; made a member of <c>plpgsql</c>, which every database has).
/// </summary>
internal static class HostileSchema
{
    /// <summary>63 bytes: PostgreSQL's longest identifier.</summary>
    public static readonly string LongName = "t" + new string('x', 61) + "z";

    /// <summary>The schema, quoted as SQL needs it.</summary>
    public const string Schema = "\"We\"\"ird Schema; DROP\"";

    public static string Sql => $$"""
        CREATE SCHEMA {{Schema}};
        CREATE SEQUENCE {{Schema}}."seq ""quoted"" Ü" START 100;
        CREATE TABLE {{Schema}}."Order Items" (
            "Id" bigint PRIMARY KEY DEFAULT nextval('{{Schema.Replace("'", "''")}}."seq ""quoted"" Ü"'),
            "select" text NOT NULL,
            "Quote""Col" text,
            "naïve ünïcode" int,
            "total" int GENERATED ALWAYS AS (coalesce("naïve ünïcode", 0) * 2) STORED);
        INSERT INTO {{Schema}}."Order Items" ("select", "Quote""Col", "naïve ünïcode") VALUES ('seed;1', 'it''s', 1), ('seed 2', '"q"', 2);

        CREATE TABLE public."user" ("table" serial PRIMARY KEY, "from" text, "WHERE" boolean);
        INSERT INTO public."user" ("from", "WHERE") VALUES ('alice', true);

        CREATE TABLE public."{{LongName}}" ("{{LongName}}" int);
        INSERT INTO public."{{LongName}}" VALUES (1), (1), (2);

        CREATE TABLE public.no_key (a int, b text);
        INSERT INTO public.no_key VALUES (1, 'dup'), (1, 'dup'), (2, NULL);

        CREATE TABLE public."Events" (id bigint GENERATED ALWAYS AS IDENTITY, at date NOT NULL, what text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
        CREATE TABLE public."Events 2025" PARTITION OF public."Events" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE TABLE public."Events; 2026" PARTITION OF public."Events" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        INSERT INTO public."Events" (at, what) VALUES ('2025-06-01', 'old'), ('2026-06-01', 'new');

        CREATE TABLE public.spatial_ref_sys_like (srid int PRIMARY KEY, auth_name text);
        INSERT INTO public.spatial_ref_sys_like VALUES (4326, 'EPSG'), (3857, 'EPSG');
        ALTER EXTENSION plpgsql ADD TABLE public.spatial_ref_sys_like;

        CREATE VIEW {{Schema}}."Order View" AS SELECT "Id", "select" FROM {{Schema}}."Order Items";
        CREATE MATERIALIZED VIEW public."Order Totals" AS SELECT count(*) AS n, sum("total") AS total FROM {{Schema}}."Order Items";
        """;

    /// <summary>Workloads a test might run, each a different way of changing what the migration left.</summary>
    public static IReadOnlyList<(string Name, string Sql)> Workloads =>
    [
        ("insert everywhere", $$"""
            INSERT INTO {{Schema}}."Order Items" ("select", "Quote""Col", "naïve ünïcode") VALUES ('x', 'y', 5);
            INSERT INTO public."user" ("from") VALUES ('mallory');
            INSERT INTO public."{{LongName}}" VALUES (9);
            INSERT INTO public.no_key VALUES (1, 'dup');
            INSERT INTO public."Events" (at, what) VALUES ('2025-02-02', 'x'), ('2026-02-02', 'y');
            INSERT INTO public.spatial_ref_sys_like VALUES (2154, 'IGNF');
            """),
        ("update everywhere", $$"""
            UPDATE {{Schema}}."Order Items" SET "naïve ünïcode" = 40, "Quote""Col" = NULL;
            UPDATE public."user" SET "WHERE" = false;
            UPDATE public."{{LongName}}" SET "{{LongName}}" = 0;
            UPDATE public.no_key SET b = 'changed';
            UPDATE public."Events" SET what = 'moved', at = '2025-03-03';
            UPDATE public.spatial_ref_sys_like SET auth_name = 'nobody';
            """),
        ("delete everywhere", $$"""
            DELETE FROM {{Schema}}."Order Items";
            DELETE FROM public."user";
            DELETE FROM public."{{LongName}}";
            DELETE FROM public.no_key WHERE a = 1;
            DELETE FROM public."Events";
            DELETE FROM public.spatial_ref_sys_like WHERE srid = 4326;
            """),
        ("truncate everywhere", $$"""
            TRUNCATE {{Schema}}."Order Items", public."user", public."{{LongName}}", public.no_key, public."Events", public.spatial_ref_sys_like;
            """),
        ("write a partition directly", """INSERT INTO public."Events; 2026" (id, at, what) OVERRIDING SYSTEM VALUE VALUES (1000, '2026-12-31', 'direct'); DELETE FROM public."Events 2025";"""),
        // A standalone sequence (always read). A table's own sequence moved without writing the table is caught only with
        // RestoreOptions.AlwaysCheckSequences (Isolation/README.md), so it moves here together with a write.
        ("advance the sequences", $$"""
            SELECT nextval('{{Schema.Replace("'", "''")}}."seq ""quoted"" Ü"'), setval('public."user_table_seq"', 500);
            UPDATE public."user" SET "from" = "from";
            """),
        ("refresh the materialized view", $$"""
            INSERT INTO {{Schema}}."Order Items" ("select", "naïve ünïcode") VALUES ('more', 100);
            REFRESH MATERIALIZED VIEW public."Order Totals";
            """),
        ("change the schema", $$""""
            ALTER TABLE {{Schema}}."Order Items" ADD COLUMN "new ""col""" int; DROP VIEW {{Schema}}."Order View";
            """"),
    ];
}
