using Neon.Testing.Engine.Migrations;

namespace Neon.Testing.Engine.Tests.Migrations;

/// <summary>The lexer splits where PostgreSQL would, and only there; it tells which files manage their own transactions.</summary>
[TestClass]
public sealed class SqlScriptTests
{
    private static string[] Texts(string sql)
    {
        var script = SqlScript.Parse(sql);
        return [.. script.Statements.Select(s => s.Text(sql))];
    }

    [TestMethod]
    public void Semicolons_InCommentsStringsIdentifiersAndDollarBodies_DoNotSplit()
    {
        var sql = """
            -- a comment; with a semicolon
            CREATE TABLE "odd;name" (v text DEFAULT 'a;b', w text DEFAULT E'it\'s;');
            /* block; /* nested; */ still comment; */
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;
            DO $$ BEGIN PERFORM 1; END $$;
            SELECT 'it''s; fine', $1tag;
            """;

        var texts = Texts(sql);

        Assert.HasCount(4, texts);
        StringAssert.StartsWith(texts[0], "CREATE TABLE \"odd;name\"");
        StringAssert.EndsWith(texts[0], "E'it\\'s;')");
        StringAssert.EndsWith(texts[1], "END $body$");
        Assert.AreEqual("DO $$ BEGIN PERFORM 1; END $$", texts[2]);
        Assert.AreEqual("SELECT 'it''s; fine', $1tag", texts[3]);
    }

    [TestMethod]
    public void DollarQuotes_WithDifferentTags_NestAndTheInnerOneDoesNotClose()
    {
        var sql = "DO $EF$ BEGIN EXECUTE $q$ SELECT ';' $q$; END $EF$;\nSELECT 2;";

        var texts = Texts(sql);

        Assert.HasCount(2, texts);
        Assert.AreEqual("DO $EF$ BEGIN EXECUTE $q$ SELECT ';' $q$; END $EF$", texts[0]);
    }

    [TestMethod]
    public void SqlStandardFunctionBodies_StayOneStatement_LikePsql()
    {
        var sql = """
            CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql
            BEGIN ATOMIC
              SELECT CASE WHEN a > 0 THEN a ELSE 0 END + b;
              SELECT 1;
            END;
            SELECT 3;
            """;

        var texts = Texts(sql);

        Assert.HasCount(2, texts);
        StringAssert.EndsWith(texts[0], "END");
        Assert.AreEqual("SELECT 3", texts[1]);
    }

    [TestMethod]
    public void Statements_StartAtTheirFirstToken_WithTheirLine_AndEmptyOnesAreDropped()
    {
        var sql = "\n-- header\n;;\n  /* c */ SELECT 1;\n\nSELECT\n  2\n";

        var script = SqlScript.Parse(sql);

        Assert.HasCount(2, script.Statements);
        Assert.AreEqual(4, script.Statements[0].Line);
        Assert.AreEqual("SELECT 1", script.Statements[0].Text(sql));
        Assert.AreEqual(6, script.Statements[1].Line);
        Assert.AreEqual("SELECT\n  2", script.Statements[1].Text(sql), "the last statement needs no semicolon; trailing blanks go");
    }

    [TestMethod]
    public void UnterminatedQuotesAndComments_RunToTheEnd_WithoutThrowing()
    {
        Assert.HasCount(1, SqlScript.Parse("SELECT 'open; never closed").Statements);
        Assert.HasCount(1, SqlScript.Parse("SELECT $x$ open; body").Statements);
        Assert.IsEmpty(SqlScript.Parse("/* open; /* nested */ comment").Statements);
    }

    [TestMethod]
    [DataRow("START TRANSACTION;\nCREATE TABLE t (id int);\nCOMMIT;")]
    [DataRow("begin;\ncreate table t (id int);\nend;")]
    [DataRow("CREATE TABLE t (id int);\nCREATE INDEX CONCURRENTLY ix ON t (id);")]
    [DataRow("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (id);")]
    [DataRow("VACUUM ANALYZE;")]
    [DataRow("DROP INDEX CONCURRENTLY ix;")]
    [DataRow("REINDEX (VERBOSE) TABLE CONCURRENTLY t;")]
    public void FilesThatControlTransactions_AreRunAsWritten(string sql) =>
        Assert.IsTrue(SqlScript.Parse(sql).ManagesTransactions, sql);

    [TestMethod]
    [DataRow("CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);")]
    [DataRow("-- BEGIN; COMMIT;\nSELECT 'BEGIN; COMMIT;';")]
    [DataRow("DO $$ BEGIN COMMIT; END $$;")]
    [DataRow("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN VACUUM; END $$;")]
    [DataRow("CREATE TABLE \"BEGIN\" (commit int);\nCREATE INDEX ix ON \"BEGIN\" (commit);")]
    [DataRow("CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT 1; END;")]
    public void FilesWithoutTransactionControl_RunInOneTransaction(string sql) =>
        Assert.IsFalse(SqlScript.Parse(sql).ManagesTransactions, sql);

    [TestMethod]
    public void EfIdempotentScript_ManagesItsTransactions_AndEndsEveryOne()
    {
        var script = SqlScript.Parse(EfScripts.Idempotent);

        Assert.IsTrue(script.ManagesTransactions);
        Assert.IsNull(script.UnendedTransaction());
        Assert.IsTrue(script.Statements.Any(s => s.Text(script.Text).StartsWith("DO $EF$", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void UnendedTransaction_IsTheBeginWithoutCommit_RollbackToASavepointDoesNotEndIt()
    {
        var script = SqlScript.Parse("BEGIN;\nSELECT 1;\nCOMMIT;\n\nSTART TRANSACTION;\nSAVEPOINT a;\nROLLBACK TO SAVEPOINT a;\n");

        Assert.AreEqual(5, script.UnendedTransaction()?.Line);
    }

    [TestMethod]
    public void ErrorPositions_MapBackToTheFile_CountingCharactersNotUtf16Units()
    {
        // PostgreSQL counts characters: the emoji is one, .NET's string two.
        var sql = "SELECT 1;\n\n  SELECT '😀',\n    no_such_column;";
        var script = SqlScript.Parse(sql);
        var second = script.Statements[1];
        var position = "SELECT '😀',\n    ".EnumerateRunes().Count() + 1;

        var offset = script.OffsetOf(second, position);

        Assert.AreEqual(sql.IndexOf("no_such_column", StringComparison.Ordinal), offset);
        Assert.AreEqual(4, script.LineOf(offset));
        Assert.AreEqual("    no_such_column;", script.LineText(4));
    }
}
