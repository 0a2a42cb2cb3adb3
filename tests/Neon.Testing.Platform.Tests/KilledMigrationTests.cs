using System.Diagnostics;
using Npgsql;

namespace Neon.Testing.Platform.Tests;

/// <summary>
/// A test run killed while its migrations run must not leave a template that later runs reuse: the
/// template is built under a name of its own and takes the template's name only once complete.
/// </summary>
[TestClass]
public sealed class KilledMigrationTests
{

    [TestMethod]
    public async Task KilledDuringMigrations_NextRunMigratesAgain_AndPasses()
    {
        var migrations = Directory.CreateTempSubdirectory("neon-killed-migrations-").FullName;
        var gate = "neon_gate_" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            foreach (var file in Directory.GetFiles(Samples.SqlFolder))
            {
                File.Copy(file, Path.Combine(migrations, Path.GetFileName(file)));
            }

            // The first migration waits until the test creates a role (roles are visible from every database),
            // so the kill lands mid-migration and later runs of the same migrations pass straight through.
            await File.WriteAllTextAsync(Path.Combine(migrations, "000_gate.sql"), $$"""
                DO $gate$ BEGIN
                  WHILE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{{gate}}') LOOP PERFORM pg_sleep(0.05); END LOOP;
                END $gate$;
                CREATE TABLE gate_passed (id int);
                """);
            var environment = new Dictionary<string, string?> { ["NEON_MIGRATIONS"] = migrations };
            string[] oneTest = ["--filter", "Name=Insert_First"];

            await using var admin = new NpgsqlConnection(TestServer.Server.AdminConnectionString);
            await admin.OpenAsync();
            var completeBefore = await CompleteTemplatesAsync(admin);
            var killed = await Samples.RunAsync(Samples.MSTest, oneTest, environment, async (process, output) =>
            {
                // Wait until the migration is blocked on the gate, then kill the test host outright.
                var waited = Stopwatch.StartNew();
                while (await ScalarAsync<long>(admin, $"SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%{gate}%' AND pid <> pg_backend_pid()") == 0)
                {
                    Assert.IsFalse(process.HasExited, $"The run ended before its migration started:{Environment.NewLine}{output()}");
                    Assert.IsTrue(waited.Elapsed < TimeSpan.FromMinutes(2), $"The migration never reached the gate:{Environment.NewLine}{output()}");
                    await Task.Delay(50);
                }

                process.Kill(entireProcessTree: true);
            });
            await ExecuteAsync(admin, $"CREATE ROLE \"{gate}\" NOLOGIN");
            Assert.AreNotEqual(0, killed.ExitCode);
            CollectionAssert.AreEqual(completeBefore, await CompleteTemplatesAsync(admin), "The killed run left a half-built template under a template's name.");

            var next = await Samples.RunAsync(Samples.MSTest, oneTest, environment);
            Assert.AreEqual(0, next.ExitCode, next.Output);
            Assert.AreEqual("passed", next.OutcomeOf("Insert_First"));
            Assert.IsFalse(next.RequiredSummary.GetProperty("migrationsReused").GetBoolean(), "The next run reused a template the killed run never finished.");

            // The dead run's unfinished build is gone by then: its owner's liveness lock went with it.
            var left = (await TemplatesAsync(admin)).Where(t => t.Contains("-building-", StringComparison.Ordinal)).ToList();
            CollectionAssert.AreEqual(Array.Empty<string>(), left);

            var third = await Samples.RunAsync(Samples.MSTest, oneTest, environment);
            Assert.AreEqual(0, third.ExitCode, third.Output);
            Assert.IsTrue(third.RequiredSummary.GetProperty("migrationsReused").GetBoolean(), "The completed template was not reused.");
            Assert.AreEqual(completeBefore.Count + 1, (await CompleteTemplatesAsync(admin)).Count);
        }
        finally
        {
            Directory.Delete(migrations, recursive: true);
            await using var admin = new NpgsqlConnection(TestServer.Server.AdminConnectionString);
            await admin.OpenAsync();
            await ExecuteAsync(admin, $"DROP ROLE IF EXISTS \"{gate}\"");
        }
    }

    private static async Task<List<string>> CompleteTemplatesAsync(NpgsqlConnection admin) =>
        (await TemplatesAsync(admin)).Where(t => !t.Contains("-building-", StringComparison.Ordinal) && !t.Contains(".spare-", StringComparison.Ordinal)).ToList();

    private static async Task<List<string>> TemplatesAsync(NpgsqlConnection admin)
    {
        await using var command = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname LIKE 'neon-testing/template-%' ORDER BY datname", admin);
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
