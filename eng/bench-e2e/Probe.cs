using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace BenchE2e.Start;

/// <summary>
/// The first test: how long after the process started it runs, and how long until its first query is answered (what a
/// database test waits for; with Neon.Testing off the test pays Npgsql's first connection itself).
/// </summary>
[TestClass]
public sealed class Probe
{
    // A use of the app's context, so that the test assembly references the app and Neon.Testing finds the context there.
    private static readonly Type Context = typeof(Library.Api.Data.LibraryDbContext);

    [TestMethod]
    public async Task First()
    {
        var entered = Since();
        Assert.IsNotNull(Context);
        await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable("DATABASE_URL"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_catalog.pg_class", connection);
        Assert.IsTrue((long)(await command.ExecuteScalarAsync())! > 0);
        var answered = Since();
        File.WriteAllText(Environment.GetEnvironmentVariable("BENCH_E2E_PROBE")!,
            string.Create(CultureInfo.InvariantCulture, $"{entered:0.0} {answered:0.0}"));
    }

    private static double Since() => (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;
}
