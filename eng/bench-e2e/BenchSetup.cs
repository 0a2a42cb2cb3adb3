using Library.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace Library.Api.Tests;

/// <summary>Migrates the database once when the script prepares it (BENCH_E2E_MIGRATE=1); a timed run never does.</summary>
[TestClass]
public static class BenchSetup
{
    [AssemblyInitialize]
    public static async Task MigrateAsync(TestContext context)
    {
        if (Environment.GetEnvironmentVariable("BENCH_E2E_MIGRATE") != "1")
        {
            return;
        }

        var options = new DbContextOptionsBuilder<LibraryDbContext>().UseNpgsql(Environment.GetEnvironmentVariable("ConnectionStrings__Library")).Options;
        await using var db = new LibraryDbContext(options);
        await db.Database.MigrateAsync(context.CancellationToken);
    }
}
