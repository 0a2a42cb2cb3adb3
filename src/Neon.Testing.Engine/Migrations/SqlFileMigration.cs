using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Neon.Testing.Engine.Migrations;

/// <summary>
/// Applies one <c>.sql</c> file. A file that manages its own transactions (<see cref="SqlScript.ManagesTransactions"/>)
/// runs as written, one statement at a time, as psql would run it; any other file runs in one transaction of
/// ours, its statements sent together in one batch. Either way an error names the file and its real line.
/// </summary>
internal static partial class SqlFileMigration
{
    /// <summary>Applies <paramref name="script"/>, read from the file <paramref name="name"/>, on <paramref name="connection"/>.</summary>
    /// <returns>Whether the file ran as written (outside a transaction of ours).</returns>
    /// <exception cref="MigrationFailedException">A statement failed; the message names the file and line.</exception>
    public static async Task<bool> ApplyAsync(NpgsqlConnection connection, string name, SqlScript script, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (script.Statements.Count == 0)
        {
            return false;
        }

        if (!script.ManagesTransactions)
        {
            await RunInOneTransactionAsync(connection, name, script, timeout, cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (script.UnendedTransaction() is { } open)
        {
            // Run as written, it would leave the transaction open, and closing the connection would roll the file back.
            throw new MigrationFailedException(name,
                $"Migration {name} starts a transaction at line {open.Line} ({string.Join(' ', open.Keywords.Take(2))}) that it never ends. Add a COMMIT; after its last statement.") { Line = open.Line };
        }

        foreach (var statement in script.Statements)
        {
            try
            {
                // One statement per round trip: PostgreSQL runs several sent together in one implicit
                // transaction, where CREATE INDEX CONCURRENTLY and VACUUM are refused.
                await using var command = new NpgsqlCommand(statement.Text(script.Text), connection) { CommandTimeout = Seconds(timeout) };
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsMigrationError(e, cancellationToken))
            {
                throw Failure(name, script, statement, e, timeout);
            }
        }

        return true;
    }

    private static async Task RunInOneTransactionAsync(NpgsqlConnection connection, string name, SqlScript script, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // One batch command per statement: a failure names its batch command, whose text is exactly
        // the statement's, so the error's position maps back to the file.
        var statements = new Dictionary<NpgsqlBatchCommand, SqlStatement>(ReferenceEqualityComparer.Instance);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var batch = new NpgsqlBatch(connection, transaction) { Timeout = Seconds(timeout) })
            {
                foreach (var statement in script.Statements)
                {
                    var command = new NpgsqlBatchCommand(statement.Text(script.Text));
                    statements[command] = statement;
                    batch.BatchCommands.Add(command);
                }

                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsMigrationError(e, cancellationToken))
        {
            var statement = e is PostgresException { BatchCommand: { } failed } && statements.TryGetValue(failed, out var found) ? found : null;
            throw Failure(name, script, statement, e, timeout);
        }
    }

    private static bool IsMigrationError(Exception e, CancellationToken cancellationToken) =>
        e is NpgsqlException or InvalidOperationException && !cancellationToken.IsCancellationRequested;

    /// <summary>The one error of a failed file: what failed, where in the file, and the line itself.</summary>
    internal static MigrationFailedException Failure(string name, SqlScript script, SqlStatement? statement, Exception error, TimeSpan timeout)
    {
        if (error is not PostgresException postgres)
        {
            var where = statement is null ? "" : $" in the statement at line {statement.Line}";
            var what = error.InnerException is TimeoutException
                ? $"it did not finish within {(timeout >= TimeSpan.FromMinutes(1) ? $"{timeout.TotalMinutes:0.#} minutes" : $"{timeout.TotalSeconds:0} s")}"
                : error.Message.TrimEnd('.');
            return new MigrationFailedException(name, $"Migration {name} failed{where}: {what}.{Quote(script, statement?.Line)}", error) { Line = statement?.Line };
        }

        int? line = null;
        var at = "";
        if (statement is not null && postgres.Position > 0)
        {
            line = script.LineOf(script.OffsetOf(statement, postgres.Position));
            at = $" at line {line}";
        }
        else if (statement is not null && statement.BodyStart >= 0 && InlineBlockLine().Match(postgres.Where ?? "") is { Success: true } inBody)
        {
            // An error inside a DO block: PL/pgSQL counts lines from the start of the block's body.
            line = script.LineOf(statement.BodyStart) + int.Parse(inBody.Groups[1].Value, CultureInfo.InvariantCulture) - 1;
            at = $" at line {line}";
        }
        else if (statement is not null)
        {
            line = statement.Line;
            at = $" in the statement at line {line}";
        }

        var detail = (postgres.Detail is null ? "" : " " + postgres.Detail) + (postgres.Hint is null ? "" : " Hint: " + postgres.Hint);
        return new MigrationFailedException(name, $"Migration {name} failed{at}: {postgres.SqlState}: {postgres.MessageText}{detail}{Quote(script, line)}", error) { Line = line };
    }

    private static string Quote(SqlScript script, int? line) =>
        line is { } number ? $"{Environment.NewLine}  {number} | {script.LineText(number).Trim()}" : "";

    private static int Seconds(TimeSpan timeout) => (int)timeout.TotalSeconds;

    [GeneratedRegex(@"PL/pgSQL function inline_code_block line (\d+)")]
    private static partial Regex InlineBlockLine();
}
