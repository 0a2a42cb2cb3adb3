using Microsoft.Extensions.Logging;
using Npgsql;

namespace Neon.Testing.Engine.Migrations;

/// <summary>Applies the configured migrations to one database: <c>.sql</c> files in name order, or a shell command.</summary>
internal static class MigrationRunner
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The <c>.sql</c> files of <see cref="NeonTestingOptions.Migrations"/>, in ordinal name order.</summary>
    public static IReadOnlyList<string> SqlFiles(NeonTestingOptions options)
    {
        if (string.IsNullOrEmpty(options.Migrations))
        {
            return [];
        }

        var path = Path.GetFullPath(options.Migrations, options.WorkingDirectory);
        if (File.Exists(path))
        {
            return [path];
        }

        return Directory.EnumerateFiles(path, "*.sql", SearchOption.TopDirectoryOnly)
            .OrderBy(file => Path.GetFileName(file), StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Applies every migration, or throws <see cref="MigrationFailedException"/> with the failing migration's error.</summary>
    public static async Task<int> ApplyAsync(NeonTestingOptions options, string connectionString, ILogger logger, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(options.MigrationCommand))
        {
            await RunCommandAsync(options, connectionString, logger, cancellationToken).ConfigureAwait(false);
            return 1;
        }

        var files = SqlFiles(options);
        if (files.Count == 0)
        {
            return 0;
        }

        // Not pooled: a pooled idle connection would keep PostgreSQL from cloning this database.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var file in files)
        {
            var sql = await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
            var name = Path.GetFileName(file);
            try
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = (int)CommandTimeout.TotalSeconds })
                {
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                logger.LogDebug("Applied migration {Migration}.", name);
            }
            catch (PostgresException e)
            {
                var where = e.Position > 0 ? $" at line {LineOf(sql, e.Position)}" : "";
                throw new MigrationFailedException(name, $"Migration {name} failed{where}: {e.SqlState}: {e.MessageText}{(e.Detail is null ? "" : " " + e.Detail)}", e);
            }
        }

        return files.Count;
    }

    private static async Task RunCommandAsync(NeonTestingOptions options, string connectionString, ILogger logger, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string?> { [options.EnvVar] = connectionString };
        if (!string.IsNullOrEmpty(options.ConnectionStringName))
        {
            environment[$"ConnectionStrings__{options.ConnectionStringName}"] = connectionString;
        }

        var (shell, flag) = OperatingSystem.IsWindows() ? ("cmd.exe", "/c") : ("/bin/sh", "-c");
        ProcessRunner.Result result;
        try
        {
            result = await ProcessRunner.RunAsync(shell, [flag, options.MigrationCommand!], CommandTimeout, environment, options.WorkingDirectory, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new MigrationFailedException(options.MigrationCommand!, $"The migration command did not finish within {CommandTimeout.TotalMinutes:0} minutes.", e);
        }

        var output = SecretRedactor.Redact(result.Output, connectionString);
        if (result.ExitCode != 0)
        {
            throw new MigrationFailedException(options.MigrationCommand!, $"The migration command (NeonMigrationCommand) exited with code {result.ExitCode}:{Environment.NewLine}{Tail(output)}");
        }

        logger.LogDebug("Migration command finished: {Output}", Tail(output));
    }

    private static string Tail(string output)
    {
        var lines = output.Split('\n');
        return string.Join('\n', lines.TakeLast(30)).TrimEnd();
    }

    private static int LineOf(string sql, int position) =>
        sql.AsSpan(0, Math.Min(position, sql.Length)).Count('\n') + 1;
}
