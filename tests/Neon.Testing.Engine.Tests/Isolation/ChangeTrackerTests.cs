using Neon.Testing.Engine.Isolation;
using Npgsql;

namespace Neon.Testing.Engine.Tests.Isolation;

/// <summary>
/// Reset behaviour against the real cluster, each test both as the superuser (replication-role restore, event triggers)
/// and as a database owner that is not a superuser, like Neon's neondb_owner (foreign-key-safe restore, catalog fingerprint).
/// </summary>
[TestClass]
public sealed class ChangeTrackerTests
{
    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Token => TestContext.CancellationToken;

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Install_ReportsTheModeTheRoleAllows(bool asOwner)
    {
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner, cancellationToken: Token);

        Assert.IsTrue(db.Installation.IsInstalled);
        Assert.IsTrue(db.Installation.SupportsTargetedReset, string.Join("; ", db.Installation.UntrackedTables));
        Assert.AreEqual(6, db.Installation.TrackedTables);
        Assert.AreEqual(3, db.Installation.SeededTables);
        Assert.AreEqual(4, db.Installation.Sequences);
        Assert.AreEqual(asOwner ? RestoreMode.ForeignKeyOrder : RestoreMode.ReplicationRole, db.Installation.RestoreMode);
        Assert.AreEqual(asOwner ? SchemaChangeDetection.CatalogFingerprint : SchemaChangeDetection.EventTrigger, db.Installation.SchemaChangeDetection);

        await using var tracker = await db.AttachAsync(cancellationToken: Token);
        Assert.AreEqual(db.Installation.RestoreMode, tracker.RestoreMode);
        Assert.AreEqual(db.Installation.SchemaChangeDetection, tracker.SchemaChangeDetection);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Install_IsIdempotent_AndRebuildsWhenTheSchemaMovedOn(bool asOwner)
    {
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner, cancellationToken: Token);
        var template = db.ConnectionFor(db.TemplateName, pooling: false);

        var again = await TrackingInstaller.InstallAsync(template, cancellationToken: Token);
        Assert.IsTrue(again.Reused);
        Assert.AreEqual(db.Installation.TrackedTables, again.TrackedTables);

        await using (var connection = new NpgsqlConnection(template))
        {
            await connection.OpenAsync(Token);
            await using var command = new NpgsqlCommand("CREATE TABLE app.extra (id int PRIMARY KEY); INSERT INTO app.extra VALUES (1);", connection);
            await command.ExecuteNonQueryAsync(Token);
        }

        var rebuilt = await TrackingInstaller.InstallAsync(template, cancellationToken: Token);
        Assert.IsFalse(rebuilt.Reused);
        Assert.AreEqual(7, rebuilt.TrackedTables);
        Assert.AreEqual(4, rebuilt.SeededTables);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Reset_IsClean_WhenTheTestOnlyRead(bool asOwner)
    {
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner, cancellationToken: Token);
        await using var tracker = await db.AttachAsync(cancellationToken: Token);
        var baseline = await db.SnapshotAsync(Token);

        Assert.AreEqual(2L, await db.ScalarAsync<long>("SELECT count(*) FROM app.customer", Token));
        var result = await tracker.ResetAsync(Token);

        Assert.AreEqual(ResetKind.Clean, result.Kind, result.Reason);
        Assert.IsEmpty(result.Tables);
        AssertSame(baseline, await db.SnapshotAsync(Token));
        Assert.AreEqual(0, db.FullResets);
    }

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public async Task Reset_RunsOneCheck_WhetherTheTestWroteOrNot_AndWhateverTheTestBeforeDid(bool asOwner, bool standaloneSequence)
    {
        // Every order of clean and writing tests: a write right after a clean test, a clean test right after a restore.
        // Without a standalone sequence a quiet activity counter proves a test clean; with one, the check always looks.
        var schema = standaloneSequence ? ShopSchema.Sql : ShopSchema.Sql.Replace("CREATE SEQUENCE app.ticket_seq START 100;", "", StringComparison.Ordinal);
        await using var db = await IsolationDatabase.CreateAsync(schema, asOwner, cancellationToken: Token);
        await using var tracker = await db.AttachAsync(cancellationToken: Token);
        var baseline = await db.SnapshotAsync(Token);
        await tracker.ResetAsync(Token);

        foreach (var writes in new[] { false, true, true, false, false, true, false })
        {
            var checks = tracker.ChecksRun;
            if (writes)
            {
                await db.ExecuteAsync("UPDATE app.customer SET name = name || '*' WHERE id = 1; INSERT INTO app.tag VALUES ('c', 3);", Token);
            }
            else
            {
                Assert.AreEqual(2L, await db.ScalarAsync<long>("SELECT count(*) FROM app.customer", Token));
            }

            var result = await tracker.ResetAsync(Token);

            Assert.AreEqual(writes ? ResetKind.Restored : ResetKind.Clean, result.Kind, result.Reason);
            Assert.AreEqual(1, tracker.ChecksRun - checks, $"check statements for a test that {(writes ? "wrote" : "only read")}: {result.Reason}");
            AssertSame(baseline, await db.SnapshotAsync(Token));
        }
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Reset_RunsOneCheck_WhenDeletingAnInsertedParentCascadesToEmptyTables(bool asOwner)
    {
        // orders and order_line reference customer and orders with ON DELETE CASCADE: deleting the inserted customer runs
        // their cascades (deleting nothing), which a restore with foreign-key triggers on must not take for new writes.
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner, cancellationToken: Token);
        await using var tracker = await db.AttachAsync(cancellationToken: Token);
        var baseline = await db.SnapshotAsync(Token);
        await tracker.ResetAsync(Token);

        var checks = tracker.ChecksRun;
        await db.ExecuteAsync("INSERT INTO app.customer (name, country) VALUES ('Cy', 'DE');", Token);
        var result = await tracker.ResetAsync(Token);

        Assert.AreEqual(ResetKind.Restored, result.Kind, result.Reason);
        Assert.AreEqual(1, tracker.ChecksRun - checks, $"check statements: {result.Reason}");
        AssertSame(baseline, await db.SnapshotAsync(Token));

        // A cascade that does delete rows: an order and its line inserted with their customer go with it.
        await db.ExecuteAsync("INSERT INTO app.customer (name, country) VALUES ('Di', 'FR'); INSERT INTO app.orders (customer_id, total) SELECT id, 3 FROM app.customer WHERE name = 'Di';", Token);
        await db.ExecuteAsync("INSERT INTO app.order_line SELECT id, 'y', 1 FROM app.orders;", Token);
        Assert.AreEqual(ResetKind.Restored, (await tracker.ResetAsync(Token)).Kind);
        AssertSame(baseline, await db.SnapshotAsync(Token));
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Reset_RemovesInsertedRows_AndRewindsTheirSequences(bool asOwner)
    {
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner, cancellationToken: Token);
        await using var tracker = await db.AttachAsync(cancellationToken: Token);
        var baseline = await db.SnapshotAsync(Token);
        const string Write = """
            INSERT INTO app.customer (name, country, referrer) VALUES ('Cy', 'DE', 1) RETURNING id;
            """;

        var firstId = await db.ScalarAsync<long>(Write, Token);
        await db.ExecuteAsync($"INSERT INTO app.orders (customer_id, total) VALUES ({firstId}, 10), (1, 5); INSERT INTO app.order_line VALUES (1, 'x', 2);", Token);
        var result = await tracker.ResetAsync(Token);

        Assert.AreEqual(ResetKind.Restored, result.Kind, result.Reason);
        CollectionAssert.IsSubsetOf(new[] { "app.customer", "app.orders", "app.order_line", "app.audit" }, result.Tables.ToArray());
        CollectionAssert.Contains(result.Sequences.ToArray(), "app.customer_id_seq");
        AssertSame(baseline, await db.SnapshotAsync(Token));
        Assert.AreEqual(firstId, await db.ScalarAsync<long>(Write, Token), "the identity sequence was not rewound");
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Reset_RestoresSeedRows_WhenTheTestDeletedOrUpdatedThem(bool asOwner)
    {
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner, cancellationToken: Token);
        await using var tracker = await db.AttachAsync(cancellationToken: Token);
        var baseline = await db.SnapshotAsync(Token);

        await db.ExecuteAsync("""
            UPDATE app.country SET name = 'Nederland' WHERE code = 'NL';
            DELETE FROM app.country WHERE code = 'DE';
            INSERT INTO app.country VALUES ('BE', 'Belgium');
            UPDATE app.customer SET name = 'Bobby', country = 'BE' WHERE name = 'Bob';
            DELETE FROM app.tag WHERE label = 'b';
            UPDATE app.tag SET weight = 9 WHERE label = 'a';
            INSERT INTO app.tag VALUES ('c', 3);
            """, Token);
        var result = await tracker.ResetAsync(Token);

        Assert.AreEqual(ResetKind.Restored, result.Kind, result.Reason);
        AssertSame(baseline, await db.SnapshotAsync(Token));

        // Twice, so the identities recorded by the first restore are the ones the second one relies on.
        await db.ExecuteAsync("DELETE FROM app.tag; UPDATE app.country SET name = upper(name);", Token);
        Assert.AreEqual(ResetKind.Restored, (await tracker.ResetAsync(Token)).Kind);
        AssertSame(baseline, await db.SnapshotAsync(Token));
    }

    /// <summary>A test's writes that a targeted restore must undo in place, on the shop schema unless it names its own.</summary>
    private sealed record RestoreScenario(string Writes, string Schema = ShopSchema.Sql, long? TruncateThresholdBytes = null, int? TrackedTables = null);

    private static readonly Dictionary<string, RestoreScenario> RestoreScenarios = new(StringComparer.Ordinal)
    {
        // Bob is re-pointed at a new customer, Ada (whom Bob referenced) is deleted with her orders (cascade), the new
        // customer gets orders and lines: restoring needs Ada back before Bob points at her, and Cy gone after.
        ["rows were written whatever the foreign-key order"] = new("""
            INSERT INTO app.orders (customer_id, total) VALUES (1, 1);
            INSERT INTO app.customer (name, country) VALUES ('Cy', 'NL');
            UPDATE app.customer SET referrer = (SELECT id FROM app.customer WHERE name = 'Cy') WHERE name = 'Bob';
            DELETE FROM app.customer WHERE name = 'Ada';
            INSERT INTO app.customer (name) VALUES ('Ada');
            INSERT INTO app.orders (customer_id, total) SELECT id, 42 FROM app.customer WHERE name = 'Cy';
            INSERT INTO app.order_line SELECT id, 'sku', 1 FROM app.orders;
            """),
        ["tables were truncated"] = new("TRUNCATE app.tag; TRUNCATE app.country, app.customer CASCADE;"),

        // Large tables emptied to their empty baseline are truncated, since every table referencing them goes too.
        ["large tables with an empty baseline were filled"] = new("""
            INSERT INTO app.orders (customer_id, total) SELECT 1 + g % 2, g FROM generate_series(1, 2000) g;
            INSERT INTO app.order_line SELECT id, 'sku', 1 FROM app.orders;
            """, TruncateThresholdBytes: 8192),
        ["partitioned and inherited tables were written"] = new("""
            INSERT INTO app.measure_2025 VALUES ('2025-06-01', 3);
            UPDATE app.measure SET day = '2025-02-02' WHERE value = 1;
            DELETE FROM app.animal WHERE name = 'rex';
            UPDATE app.animal SET name = 'thing';
            """,
            Schema: """
                CREATE SCHEMA app;
                CREATE TABLE app.measure (day date NOT NULL, value int NOT NULL, PRIMARY KEY (day, value)) PARTITION BY RANGE (day);
                CREATE TABLE app.measure_2024 PARTITION OF app.measure FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
                CREATE TABLE app.measure_2025 PARTITION OF app.measure FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
                INSERT INTO app.measure VALUES ('2024-05-01', 1), ('2025-05-01', 2);
                CREATE TABLE app.animal (name text);
                CREATE TABLE app.dog (barks boolean) INHERITS (app.animal);
                INSERT INTO app.animal VALUES ('generic');
                INSERT INTO app.dog VALUES ('rex', true);
                """,
            TrackedTables: 3),
    };

    [TestMethod]
    [DataRow("rows were written whatever the foreign-key order", false)]
    [DataRow("rows were written whatever the foreign-key order", true)]
    [DataRow("tables were truncated", false)]
    [DataRow("tables were truncated", true)]
    [DataRow("large tables with an empty baseline were filled", false)]
    [DataRow("large tables with an empty baseline were filled", true)]
    [DataRow("partitioned and inherited tables were written", false)]
    [DataRow("partitioned and inherited tables were written", true)]
    public async Task Reset_RestoresTheBaselineInPlace_When(string scenario, bool asOwner)
    {
        var given = RestoreScenarios[scenario];
        await using var db = await IsolationDatabase.CreateAsync(given.Schema, asOwner, cancellationToken: Token);
        if (given.TrackedTables is { } trackedTables)
        {
            Assert.AreEqual(trackedTables, db.Installation.TrackedTables, string.Join("; ", db.Installation.UntrackedTables));
        }

        var options = given.TruncateThresholdBytes is { } threshold ? new RestoreOptions { TruncateThresholdBytes = threshold } : new RestoreOptions();
        await using var tracker = await db.AttachAsync(options, Token);
        var baseline = await db.SnapshotAsync(Token);

        await db.ExecuteAsync(given.Writes, Token);
        var result = await tracker.ResetAsync(Token);

        Assert.AreEqual(ResetKind.Restored, result.Kind, result.Reason);
        AssertSame(baseline, await db.SnapshotAsync(Token));
    }

    [TestMethod]
    [DataRow("a transaction rolled back", false)]
    [DataRow("a transaction rolled back", true)]
    [DataRow("an insert failed", false)]
    [DataRow("an insert failed", true)]
    public async Task Reset_RewindsTheSequencesThatMoved_When(string scenario, bool asOwner)
    {
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner, cancellationToken: Token);
        await using var tracker = await db.AttachAsync(cancellationToken: Token);
        var baseline = await db.SnapshotAsync(Token);

        ResetResult result;
        if (scenario == "a transaction rolled back")
        {
            await db.ExecuteAsync("BEGIN; INSERT INTO app.orders (customer_id, total) VALUES (1, 1); ROLLBACK;", Token);
            result = await tracker.ResetAsync(Token);
            Assert.IsEmpty(result.Tables);
            CollectionAssert.AreEquivalent(new[] { "app.orders_id_seq", "app.audit_id_seq" }, result.Sequences.ToArray());
        }
        else
        {
            // The identity default takes a value before the unique name fails the statement.
            await Assert.ThrowsAsync<PostgresException>(() => db.ExecuteAsync("INSERT INTO app.customer (name) VALUES ('Ada')", Token));
            result = await tracker.ResetAsync(Token);
            CollectionAssert.AreEqual(new[] { "app.customer_id_seq" }, result.Sequences.ToArray());
        }

        Assert.AreEqual(ResetKind.Restored, result.Kind, result.Reason);
        AssertSame(baseline, await db.SnapshotAsync(Token));
    }

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    public async Task Reset_RewindsSequencesDrawnWithoutWriting(bool asOwner, bool alwaysCheckSequences)
    {
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner, cancellationToken: Token);
        await using var tracker = await db.AttachAsync(new RestoreOptions { AlwaysCheckSequences = alwaysCheckSequences }, Token);
        var baseline = await db.SnapshotAsync(Token);

        // A standalone sequence is read after every test.
        Assert.AreEqual(100L, await db.ScalarAsync<long>("SELECT nextval('app.ticket_seq')", Token));
        var result = await tracker.ResetAsync(Token);
        Assert.AreEqual(ResetKind.Restored, result.Kind, result.Reason);
        CollectionAssert.AreEqual(new[] { "app.ticket_seq" }, result.Sequences.ToArray());
        Assert.AreEqual(100L, await db.ScalarAsync<long>("SELECT nextval('app.ticket_seq')", Token));
        await tracker.ResetAsync(Token);

        // A table's sequence drawn by hand without writing that table is only seen when every sequence is read.
        await db.ExecuteAsync("SELECT nextval('app.orders_id_seq'); INSERT INTO app.tag VALUES ('x', 0);", Token);
        result = await tracker.ResetAsync(Token);
        Assert.AreEqual(ResetKind.Restored, result.Kind, result.Reason);
        if (alwaysCheckSequences)
        {
            CollectionAssert.Contains(result.Sequences.ToArray(), "app.orders_id_seq");
            AssertSame(baseline, await db.SnapshotAsync(Token));
        }
        else
        {
            CollectionAssert.DoesNotContain(result.Sequences.ToArray(), "app.orders_id_seq");
        }
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Reset_RewindsEverySequence_WhenAWriteDidNotCommit(bool asOwner)
    {
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner, cancellationToken: Token);
        await using var tracker = await db.AttachAsync(cancellationToken: Token);
        var baseline = await db.SnapshotAsync(Token);

        // One committed write, one rolled back on another table: the rolled-back one leaves no mark but took a value.
        await db.ExecuteAsync("INSERT INTO app.tag VALUES ('x', 0)", Token);
        await db.ExecuteAsync("BEGIN; INSERT INTO app.orders (customer_id, total) VALUES (1, 1); ROLLBACK;", Token);
        var result = await tracker.ResetAsync(Token);

        Assert.AreEqual(ResetKind.Restored, result.Kind, result.Reason);
        CollectionAssert.Contains(result.Tables.ToArray(), "app.tag");
        CollectionAssert.DoesNotContain(result.Tables.ToArray(), "app.orders");
        CollectionAssert.Contains(result.Sequences.ToArray(), "app.orders_id_seq");
        AssertSame(baseline, await db.SnapshotAsync(Token));
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Reset_RestoresSeededTables_FromTheKeysTheirWritesLogged(bool asOwner)
    {
        // Every way a row's key can be touched: a key changed (cascading to a seeded child), a delete (cascading), MERGE,
        // an upsert, COPY, writes under the replica role (superuser only), then a TRUNCATE: each must reach the key log.
        const string Schema = """
            CREATE SCHEMA app;
            CREATE TABLE app.item (id int PRIMARY KEY, name text NOT NULL);
            INSERT INTO app.item SELECT g, 'item ' || g FROM generate_series(1, 5000) g;
            CREATE TABLE app.item_note (item_id int NOT NULL REFERENCES app.item (id) ON DELETE CASCADE ON UPDATE CASCADE, note text NOT NULL, PRIMARY KEY (item_id, note));
            INSERT INTO app.item_note SELECT g, 'note' FROM generate_series(1, 100) g;
            """;
        await using var db = await IsolationDatabase.CreateAsync(Schema, asOwner, cancellationToken: Token);
        Assert.AreEqual(2L, await db.ScalarAsync<long>("SELECT count(key_log) FROM neon_testing.tables", Token), "both seeded tables log their keys");
        await using var tracker = await db.AttachAsync(cancellationToken: Token);
        var baseline = await db.SnapshotAsync(Token);

        await db.ExecuteAsync("""
            UPDATE app.item SET id = 9001 WHERE id = 1;
            DELETE FROM app.item WHERE id = 2;
            MERGE INTO app.item i USING (VALUES (3, 'merged'), (9002, 'new')) s(id, name) ON i.id = s.id
                WHEN MATCHED THEN UPDATE SET name = s.name WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name);
            INSERT INTO app.item VALUES (4, 'upserted') ON CONFLICT (id) DO UPDATE SET name = excluded.name;
            """, Token);
        await using (var connection = await db.OpenAsync(Token))
        {
            await using var copy = await connection.BeginTextImportAsync("COPY app.item_note FROM STDIN (FORMAT csv)", Token);
            await copy.WriteLineAsync("5000,copied");
        }

        if (!asOwner)
        {
            await db.ExecuteAsync("SET session_replication_role = replica; UPDATE app.item SET name = 'replica' WHERE id = 10; DELETE FROM app.item_note WHERE item_id = 11; RESET session_replication_role;", Token);
        }

        Assert.IsGreaterThan(0L, await LoggedKeysAsync(db));
        Assert.AreEqual(ResetKind.Restored, (await tracker.ResetAsync(Token)).Kind);
        AssertSame(baseline, await db.SnapshotAsync(Token));
        Assert.AreEqual(0L, await LoggedKeysAsync(db), "the restore left keys in the log, or logged its own writes");

        await db.ExecuteAsync("TRUNCATE app.item CASCADE; INSERT INTO app.item VALUES (1, 'after truncate');", Token);
        Assert.AreEqual(ResetKind.Restored, (await tracker.ResetAsync(Token)).Kind);
        AssertSame(baseline, await db.SnapshotAsync(Token));
        Assert.AreEqual(0L, await LoggedKeysAsync(db), "the restore left keys in the log, or logged its own writes");
    }

    private async Task<long> LoggedKeysAsync(IsolationDatabase db)
    {
        var total = 0L;
        foreach (var log in (await db.ScalarAsync<string>("SELECT string_agg(key_log, ',') FROM neon_testing.tables", Token)).Split(','))
        {
            total += await db.ScalarAsync<long>($"SELECT count(*) FROM neon_testing.{log}", Token);
        }

        return total;
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Reset_DoesNotFireUserTriggers(bool asOwner)
    {
        // The audit table is left out of tracking, so any row a trigger writes during the restore would stay.
        // One trigger fires even under session_replication_role = replica.
        var options = new TrackingScope { ExcludedTables = ["app.audit"] };
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner, options, "ALTER TABLE app.tag ENABLE ALWAYS TRIGGER tag_audit", Token);
        await using var tracker = await db.AttachAsync(cancellationToken: Token);

        await db.ExecuteAsync("""
            INSERT INTO app.customer (name) VALUES ('Cy');
            UPDATE app.customer SET name = 'Ada L.' WHERE name = 'Ada';
            INSERT INTO app.orders (customer_id, total) VALUES (1, 3);
            DELETE FROM app.tag WHERE label = 'b';
            """, Token);
        var audited = await db.ScalarAsync<long>("SELECT count(*) FROM app.audit", Token);
        Assert.AreEqual(4L, audited);

        var result = await tracker.ResetAsync(Token);

        Assert.AreEqual(ResetKind.Restored, result.Kind, result.Reason);
        Assert.AreEqual(audited, await db.ScalarAsync<long>("SELECT count(*) FROM app.audit", Token), "a user trigger fired during the restore");
        Assert.AreEqual("A", await db.ScalarAsync<string>("SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'tag_audit'", Token), "trigger state was not put back");
        Assert.AreEqual("O", await db.ScalarAsync<string>("SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'customer_audit'", Token));

        // The triggers still work for the next test, and the restore's own trigger juggling is not a schema change.
        await db.ExecuteAsync("INSERT INTO app.customer (name) VALUES ('Dee')", Token);
        Assert.AreEqual(audited + 1, await db.ScalarAsync<long>("SELECT count(*) FROM app.audit", Token));
        Assert.AreEqual(ResetKind.Restored, (await tracker.ResetAsync(Token)).Kind);
    }

    [TestMethod]
    [DataRow(false, "CREATE TABLE app.extra (id int)")]
    [DataRow(true, "CREATE TABLE app.extra (id int)")]
    [DataRow(false, "ALTER TABLE app.tag ADD COLUMN extra int")]
    [DataRow(true, "ALTER TABLE app.tag ADD COLUMN extra int")]
    [DataRow(false, "ALTER TABLE app.tag DROP COLUMN weight")]
    [DataRow(true, "ALTER TABLE app.tag DROP COLUMN weight")]
    [DataRow(true, "ALTER TABLE app.country ALTER COLUMN name DROP NOT NULL")]
    [DataRow(false, "CREATE INDEX ON app.tag (label)")]
    [DataRow(true, "CREATE INDEX ON app.tag (label)")]
    [DataRow(false, "DROP TABLE app.order_line")]
    [DataRow(true, "DROP TABLE app.order_line")]
    [DataRow(false, "CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1'")]
    [DataRow(true, "CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1'")]
    [DataRow(true, "ALTER TABLE app.tag RENAME TO labels")]
    [DataRow(true, "DROP SEQUENCE app.audit_id_seq CASCADE")]
    [DataRow(true, "ALTER TABLE app.tag RENAME COLUMN weight TO w")]
    [DataRow(true, "ALTER TABLE app.tag ALTER COLUMN weight SET DEFAULT 7")]
    [DataRow(true, "ALTER TABLE app.tag ALTER COLUMN weight SET NOT NULL")]
    [DataRow(true, "ALTER TABLE app.tag ALTER COLUMN weight TYPE bigint")]
    [DataRow(true, "ALTER TABLE app.tag ALTER COLUMN label TYPE varchar")]
    [DataRow(true, "ALTER TABLE app.tag ADD CONSTRAINT weight_positive CHECK (weight > 0)")]
    [DataRow(true, "ALTER TABLE app.orders DROP CONSTRAINT orders_customer_id_fkey")]
    [DataRow(true, "ALTER TABLE app.customer RENAME CONSTRAINT customer_name_key TO customer_name_unique")]
    [DataRow(true, "ALTER INDEX app.customer_name_key RENAME TO customer_name_index")]
    [DataRow(true, "CREATE TRIGGER tag_update AFTER UPDATE ON app.tag FOR EACH STATEMENT EXECUTE FUNCTION app.audit_row()")]
    [DataRow(true, "DROP TRIGGER orders_audit ON app.orders")]
    [DataRow(false, "DROP TRIGGER orders_audit ON app.orders")]
    [DataRow(true, "ALTER TABLE app.orders DISABLE TRIGGER orders_audit")]
    [DataRow(true, "CREATE SEQUENCE app.extra_seq")]
    [DataRow(true, "ALTER SEQUENCE app.ticket_seq INCREMENT BY 5")]
    [DataRow(true, "CREATE TYPE app.mood AS ENUM ('calm', 'busy')")]
    [DataRow(true, "CREATE DOMAIN app.positive AS int CHECK (VALUE > 0)")]
    [DataRow(true, "CREATE VIEW app.heavy_tags AS SELECT * FROM app.tag WHERE weight > 1")]
    [DataRow(true, "CREATE OR REPLACE FUNCTION app.audit_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$")]
    [DataRow(true, "GRANT SELECT ON app.tag TO PUBLIC")]
    [DataRow(true, "ALTER TABLE app.tag ENABLE ROW LEVEL SECURITY")]
    [DataRow(true, "CREATE POLICY heavy ON app.tag USING (weight > 1)")]
    [DataRow(true, "CREATE SCHEMA extra")]
    public async Task Reset_IsFull_WhenTheTestChangedTheSchema(bool asOwner, string ddl)
    {
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner, cancellationToken: Token);
        await using var tracker = await db.AttachAsync(cancellationToken: Token);
        var baseline = await db.SnapshotAsync(Token);

        await db.ExecuteAsync(ddl, Token);
        var result = await tracker.ResetAsync(Token);

        Assert.AreEqual(ResetKind.Full, result.Kind);
        StringAssert.Contains(result.Reason, "schema");
        Assert.AreEqual(1, db.FullResets);
        AssertSame(baseline, await db.SnapshotAsync(Token));

        // Attached again to the fresh clone: the next test is tracked as usual.
        await db.ExecuteAsync("INSERT INTO app.tag VALUES ('z', 26)", Token);
        Assert.AreEqual(ResetKind.Restored, (await tracker.ResetAsync(Token)).Kind);
        Assert.AreEqual(ResetKind.Clean, (await tracker.ResetAsync(Token)).Kind);
        AssertSame(baseline, await db.SnapshotAsync(Token));
    }

    /// <summary>A schema without a standalone sequence, so a clean reset takes the quick check (one small statement).</summary>
    private const string QuickSchema = """
        CREATE SCHEMA app;
        CREATE TABLE app.item (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text NOT NULL, qty int NOT NULL DEFAULT 0);
        INSERT INTO app.item (name) VALUES ('a'), ('b');
        CREATE TABLE app.note (id serial PRIMARY KEY, item_id bigint REFERENCES app.item (id), body text);
        CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER note_touch BEFORE UPDATE ON app.note FOR EACH ROW EXECUTE FUNCTION app.touch();
        """;

    [TestMethod]
    [DataRow(false, "ALTER TABLE app.item RENAME COLUMN qty TO quantity")]
    [DataRow(true, "ALTER TABLE app.item RENAME COLUMN qty TO quantity")]
    [DataRow(true, "ALTER TABLE app.item ALTER COLUMN qty TYPE bigint")]
    [DataRow(true, "ALTER TABLE app.item ALTER COLUMN name TYPE varchar")]
    [DataRow(true, "DROP TRIGGER note_touch ON app.note")]
    [DataRow(true, "CREATE INDEX ON app.note (body)")]
    [DataRow(true, "ALTER TABLE app.note DROP CONSTRAINT note_item_id_fkey")]
    [DataRow(true, "CREATE TYPE app.kind AS ENUM ('x')")]
    public async Task Reset_IsFull_WhenTheSchemaChangesAfterCleanAndRestoredResets(bool asOwner, string ddl)
    {
        // The quick check (no standalone sequence), after both a clean and a restored reset, on a server where other
        // databases keep consuming transaction ids (the horizon moves): the catalog stamp must still see the change.
        await using var db = await IsolationDatabase.CreateAsync(QuickSchema, asOwner, cancellationToken: Token);
        await using var tracker = await db.AttachAsync(cancellationToken: Token);
        var baseline = await db.SnapshotAsync(Token);
        await using var other = await IsolationDatabase.CreateAsync(QuickSchema, asOwner, cancellationToken: Token);

        Assert.AreEqual(ResetKind.Clean, (await tracker.ResetAsync(Token)).Kind);
        await other.ExecuteAsync("INSERT INTO app.note (body) VALUES ('elsewhere')", Token);
        Assert.AreEqual(ResetKind.Clean, (await tracker.ResetAsync(Token)).Kind);
        await db.ExecuteAsync("UPDATE app.item SET qty = 5 WHERE name = 'a'; INSERT INTO app.note (body) VALUES ('n')", Token);
        Assert.AreEqual(ResetKind.Restored, (await tracker.ResetAsync(Token)).Kind);
        await other.ExecuteAsync("INSERT INTO app.note (body) VALUES ('elsewhere')", Token);
        Assert.AreEqual(ResetKind.Clean, (await tracker.ResetAsync(Token)).Kind);

        await db.ExecuteAsync(ddl, Token);
        var result = await tracker.ResetAsync(Token);

        Assert.AreEqual(ResetKind.Full, result.Kind, result.Reason);
        StringAssert.Contains(result.Reason, "schema");
        AssertSame(baseline, await db.SnapshotAsync(Token));
        Assert.AreEqual(ResetKind.Clean, (await tracker.ResetAsync(Token)).Kind);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Reset_IsFull_WhenASchemaChangeCommitsAfterTheResetThatRanDuringIt(bool asOwner)
    {
        // A connection the test leaked is inside a transaction that changed the schema while the reset runs, and commits
        // afterwards: the next reset must still notice (its catalog rows carry an xid older than that reset's horizon).
        await using var db = await IsolationDatabase.CreateAsync(QuickSchema, asOwner, cancellationToken: Token);
        await using var tracker = await db.AttachAsync(cancellationToken: Token);
        var baseline = await db.SnapshotAsync(Token);
        await using var other = await IsolationDatabase.CreateAsync(QuickSchema, asOwner, cancellationToken: Token);
        var committed = true;
        Assert.AreEqual(ResetKind.Clean, (await tracker.ResetAsync(Token)).Kind);

        await using (var leaked = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(db.ConnectionString) { Pooling = false }.ConnectionString))
        {
            await leaked.OpenAsync(Token);
            await using (var command = new NpgsqlCommand("BEGIN; ALTER TABLE app.item RENAME COLUMN name TO title", leaked))
            {
                await command.ExecuteNonQueryAsync(Token);
            }

            await other.ExecuteAsync("INSERT INTO app.note (body) VALUES ('elsewhere')", Token);
            // With event triggers the uncommitted change is seen at once and its connection terminated; without, it is invisible yet.
            Assert.AreNotEqual(ResetKind.Full, (await tracker.ResetAsync(Token)).Kind);
            try
            {
                await using var commit = new NpgsqlCommand("COMMIT", leaked);
                await commit.ExecuteNonQueryAsync(Token);
            }
            catch (NpgsqlException) when (!asOwner)
            {
                committed = false;
            }
        }

        var result = await tracker.ResetAsync(Token);

        Assert.AreEqual(committed ? ResetKind.Full : ResetKind.Clean, result.Kind, result.Reason);
        Assert.AreEqual(asOwner, committed);
        AssertSame(baseline, await db.SnapshotAsync(Token));
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Reset_IgnoresTemporaryTablesAndMaintenance(bool asOwner)
    {
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner, cancellationToken: Token);
        await using var tracker = await db.AttachAsync(cancellationToken: Token);

        await db.ExecuteAsync("""
            CREATE TEMP TABLE scratch (id int PRIMARY KEY);
            INSERT INTO scratch VALUES (1);
            DROP TABLE scratch;
            ANALYZE app.tag;
            """, Token);
        await db.ExecuteAsync("VACUUM app.tag", Token);
        var result = await tracker.ResetAsync(Token);

        Assert.AreEqual(ResetKind.Clean, result.Kind, result.Reason);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Reset_TerminatesALeakedConnectionHoldingLocks_AndClearsThePools(bool asOwner)
    {
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner, cancellationToken: Token);
        await using var tracker = await db.AttachAsync(new RestoreOptions { LockTimeout = TimeSpan.FromMilliseconds(500) }, Token);
        var baseline = await db.SnapshotAsync(Token);

        // Code under test leaks a pooled connection inside a transaction that wrote and locked a table, and returns another to the pool.
        var leaked = new NpgsqlConnection(db.ConnectionString);
        await leaked.OpenAsync(Token);
        await using (var command = new NpgsqlCommand("BEGIN; INSERT INTO app.customer (name) VALUES ('Leak'); LOCK TABLE app.tag IN ACCESS EXCLUSIVE MODE;", leaked))
        {
            await command.ExecuteNonQueryAsync(Token);
        }

        await using (var pooled = new NpgsqlConnection(db.ConnectionString))
        {
            await pooled.OpenAsync(Token);
            await using var command = new NpgsqlCommand("INSERT INTO app.tag VALUES ('p', 1)", pooled);
            await Assert.ThrowsAsync<PostgresException>(() => WithLockTimeout(pooled, command));
        }

        await db.ExecuteAsync("UPDATE app.country SET name = 'X'", Token);
        var result = await tracker.ResetAsync(Token);

        Assert.AreNotEqual(ResetKind.Full, result.Kind, result.Reason);
        StringAssert.Contains(result.Reason, "terminated");
        AssertSame(baseline, await db.SnapshotAsync(Token));
        await Assert.ThrowsAsync<NpgsqlException>(async () =>
        {
            await using var command = new NpgsqlCommand("SELECT 1", leaked);
            await command.ExecuteScalarAsync(Token);
        });

        // The pool was cleared: the next test's pooled connection works on its first command.
        await using (var next = new NpgsqlConnection(db.ConnectionString))
        {
            await next.OpenAsync(Token);
            await using var command = new NpgsqlCommand("SELECT count(*) FROM app.tag", next);
            Assert.AreEqual(3L, await command.ExecuteScalarAsync(Token));
        }

        await leaked.DisposeAsync();
    }

    [TestMethod]
    public async Task Reset_IsFull_WhenALockHolderCannotBeTerminated()
    {
        // A superuser session the owner may not signal holds a lock the restore needs: bounded wait, then a full reset.
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner: true, cancellationToken: Token);
        await using var tracker = await db.AttachAsync(new RestoreOptions { LockTimeout = TimeSpan.FromMilliseconds(300) }, Token);
        await db.ExecuteAsync("INSERT INTO app.tag VALUES ('z', 1)", Token);

        await using var holder = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(db.AdminConnectionString) { Pooling = false }.ConnectionString);
        await holder.OpenAsync(Token);
        await using (var command = new NpgsqlCommand("BEGIN; LOCK TABLE app.tag IN ACCESS EXCLUSIVE MODE;", holder))
        {
            await command.ExecuteNonQueryAsync(Token);
        }

        var result = await tracker.ResetAsync(Token);

        Assert.AreEqual(ResetKind.Full, result.Kind);
        StringAssert.Contains(result.Reason, "lock");
        Assert.AreEqual(1, db.FullResets);
    }

    [TestMethod]
    public async Task Reset_IsFull_ForATableTheOwnerCannotTrack()
    {
        // A table owned by another role: the owner can neither put a trigger on it nor read it, so it cannot be tracked.
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner: true, adminSetupSql: "CREATE TABLE app.foreign_owned (id int); INSERT INTO app.foreign_owned VALUES (1);", cancellationToken: Token);

        Assert.IsTrue(db.Installation.IsInstalled);
        Assert.IsFalse(db.Installation.SupportsTargetedReset);
        Assert.HasCount(1, db.Installation.UntrackedTables);
        StringAssert.Contains(db.Installation.UntrackedTables[0], "app.foreign_owned");

        await using var tracker = await db.AttachAsync(cancellationToken: Token);
        var result = await tracker.ResetAsync(Token);

        Assert.AreEqual(ResetKind.Full, result.Kind);
        StringAssert.Contains(result.Reason, "app.foreign_owned");
    }

    [TestMethod]
    public async Task Install_SaysWhy_WhenTheRoleMayNotCreateItsSchema()
    {
        // The database belongs to the superuser; a role that may only connect and write cannot install anything.
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner: false, cancellationToken: Token);
        var writer = await db.CreateRoleAsync("writer", Token);
        await db.AdminAsync(db.TemplateName, $"REVOKE CREATE ON DATABASE \"{db.TemplateName}\" FROM PUBLIC; GRANT USAGE ON SCHEMA app TO \"{writer}\"; GRANT ALL ON ALL TABLES IN SCHEMA app TO \"{writer}\"; DROP SCHEMA neon_testing CASCADE;", Token);

        var installation = await TrackingInstaller.InstallAsync(db.ConnectionFor(db.TemplateName, pooling: false, writer), cancellationToken: Token);

        Assert.IsFalse(installation.IsInstalled);
        Assert.IsFalse(installation.SupportsTargetedReset);
        StringAssert.Contains(installation.Reason, "CREATE");
        await using var template = new NpgsqlConnection(db.ConnectionFor(db.TemplateName, pooling: false, writer));
        await template.OpenAsync(Token);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_namespace WHERE nspname = 'neon_testing'", template);
        Assert.AreEqual(0L, await count.ExecuteScalarAsync(Token), "nothing may be left behind");
    }

    [TestMethod]
    public async Task Install_DoesNotTakeABaselineThatRowSecurityFiltered()
    {
        // The owner is subject to a forced policy that hides rows: a copy would be incomplete, so the table is reported instead.
        const string Schema = ShopSchema.Sql + """

            ALTER TABLE app.tag ENABLE ROW LEVEL SECURITY;
            ALTER TABLE app.tag FORCE ROW LEVEL SECURITY;
            CREATE POLICY only_a ON app.tag USING (label = 'a');
            """;
        await using var db = await IsolationDatabase.CreateAsync(Schema, asOwner: true, cancellationToken: Token);

        Assert.IsFalse(db.Installation.SupportsTargetedReset);
        Assert.HasCount(1, db.Installation.UntrackedTables);
        StringAssert.Contains(db.Installation.UntrackedTables[0], "app.tag");
    }

    [TestMethod]
    public async Task Reset_IsFull_WhenTrackingIsNotInstalled()
    {
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner: false, cancellationToken: Token);
        await TrackingInstaller.UninstallAsync(db.ConnectionFor(db.TemplateName, pooling: false), Token);
        await db.FullResetAsync(Token);
        Assert.AreEqual(0L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_trigger WHERE tgname = 'neon_testing_track'", Token));

        await using var tracker = await db.AttachAsync(cancellationToken: Token);
        var result = await tracker.ResetAsync(Token);

        Assert.AreEqual(ResetKind.Full, result.Kind);
        StringAssert.Contains(result.Reason, "not installed");
        Assert.AreEqual(RestoreMode.Unavailable, tracker.RestoreMode);
    }

    private static async Task WithLockTimeout(NpgsqlConnection connection, NpgsqlCommand command)
    {
        await using (var timeout = new NpgsqlCommand("SET lock_timeout = '200ms'", connection))
        {
            await timeout.ExecuteNonQueryAsync();
        }

        await command.ExecuteNonQueryAsync();
    }

    internal static void AssertSame(DatabaseSnapshot expected, DatabaseSnapshot actual)
    {
        var differences = actual.DifferencesFrom(expected);
        Assert.IsEmpty(differences, string.Join(Environment.NewLine, differences));
    }
}
