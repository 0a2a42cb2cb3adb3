using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine.Providers.Local;
using Npgsql;

namespace Neon.Testing.Platform.Tests;

/// <summary>
/// A PostgreSQL cluster of this test assembly's own (the product's embedded one, in a private folder),
/// so "no branch left behind" can be checked exactly: no other helper's sessions live on it.
/// </summary>
[TestClass]
public static class TestServer
{
    private static EmbeddedPostgres? _server;

    public static EmbeddedPostgres Server => _server ?? throw new InvalidOperationException("The assembly initializer has not run.");

    /// <summary>Private cluster folder, new for each run; the server runs as 'nobody' when tests run as root, so it lives under /var/tmp then.</summary>
    public static string DataDirectory { get; } = Path.Combine(
        Environment.UserName == "root" ? "/var/tmp" : Path.GetTempPath(), "neon-testing-platform-tests-" + Guid.NewGuid().ToString("N")[..8]);

    [AssemblyInitialize]
    public static async Task StartAsync(TestContext context)
    {
        Directory.CreateDirectory(DataDirectory);
        if (!OperatingSystem.IsWindows())
        {
            // The server user ('nobody' under root) must be able to enter it.
            File.SetUnixFileMode(DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        _server = await EmbeddedPostgres.StartAsync(DataDirectory, NullLogger.Instance, context.CancellationToken);
    }

    [AssemblyCleanup]
    public static async Task StopAsync()
    {
        // Ours alone (private folder): stop it and remove it, so nothing is left after the tests.
        await EmbeddedPostgres.StopAsync(DataDirectory);
        Directory.Delete(DataDirectory, recursive: true);
    }

    /// <summary>Databases on the server that carry the product prefix, except the reusable migration templates.</summary>
    public static async Task<IReadOnlyList<string>> SessionDatabasesAsync()
    {
        await using var connection = new NpgsqlConnection(Server.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT datname FROM pg_database WHERE datname LIKE 'neon-testing/%' AND datname NOT LIKE 'neon-testing/template-%' ORDER BY datname", connection);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>Drops databases a kept-branches run left (ours by name, checked by the caller).</summary>
    public static async Task DropDatabasesAsync(IEnumerable<string> names)
    {
        await using var connection = new NpgsqlConnection(Server.AdminConnectionString);
        await connection.OpenAsync();
        foreach (var name in names)
        {
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
