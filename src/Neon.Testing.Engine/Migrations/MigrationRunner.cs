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

    /// <summary>Applies every migration, or throws <see cref="MigrationFailedException"/> naming the failing file and line.</summary>
    /// <param name="options">The settings naming the migrations.</param>
    /// <param name="connectionString">The database to migrate (holds a password: never log it).</param>
    /// <param name="logger">Where progress and warnings go.</param>
    /// <param name="warn">Receives warnings the run's summary should show (a command that created no table).</param>
    /// <param name="cancellationToken">Cancels the migrations.</param>
    /// <returns>How many files or commands ran.</returns>
    public static async Task<int> ApplyAsync(NeonTestingOptions options, string connectionString, ILogger logger, Action<string>? warn, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(options.MigrationCommand))
        {
            await RunCommandAsync(options, connectionString, logger, cancellationToken).ConfigureAwait(false);
            if (await CountUserTablesAsync(connectionString, cancellationToken).ConfigureAwait(false) == 0)
            {
                var warning = NoTableWarning(options);
                logger.LogWarning("{Warning}", warning);
                warn?.Invoke(warning);
            }

            return 1;
        }

        var files = SqlFiles(options);
        if (files.Count == 0)
        {
            return 0;
        }

        // Not pooled: a pooled idle connection would keep PostgreSQL from cloning this database. A failed
        // statement of a batch must name itself, or its error position could not be mapped back to the file.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, IncludeFailedBatchedCommand = true };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            var script = SqlScript.Parse(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false));
            var asWritten = await SqlFileMigration.ApplyAsync(connection, name, script, CommandTimeout, cancellationToken).ConfigureAwait(false);
            logger.LogDebug("Applied migration {Migration}{How}.", name, asWritten ? " as written (it manages its own transactions)" : "");
        }

        return files.Count;
    }

    /// <summary>What a command that created no table probably did wrong, and where to look.</summary>
    internal static string NoTableWarning(NeonTestingOptions options) =>
        $"The migration command (NeonMigrationCommand) succeeded, but the database has no table afterwards. Check that it migrates the database " +
        $"whose connection string it receives in {options.EnvVar}{(string.IsNullOrEmpty(options.ConnectionStringName) ? "" : $" (or ConnectionStrings__{options.ConnectionStringName})")}, " +
        $"not one from its own configuration, and that it runs what you expect from {options.WorkingDirectory} (NeonWorkingDirectory, the test project's folder): " +
        "there 'dotnet run file.cs' or 'dotnet ef' without --project run the test project itself; use 'dotnet run --file <path>' or '--project <app>'.";

    private static async Task<long> CountUserTablesAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
            """, connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
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
            throw new MigrationFailedException(options.MigrationCommand!, $"The migration command (NeonMigrationCommand) did not finish within {CommandTimeout.TotalMinutes:0} minutes.", e);
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
}
