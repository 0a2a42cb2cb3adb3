using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Migrations;
using Neon.Testing.Engine.Session;
using Neon.Testing.EntityFrameworkCore.Tests.Models;

namespace Neon.Testing.EntityFrameworkCore.Tests;

/// <summary>EF Core contexts as the session's migration source, on the real embedded PostgreSQL.</summary>
[TestClass]
public sealed class DbContextMigrationSourceTests
{
    private readonly string _salt = Guid.NewGuid().ToString("N");

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Token => TestContext.CancellationToken;

    private static NeonTestingOptions Options(Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [NeonSettings.Provider] = "Local",
            [NeonSettings.LocalDataDirectory] = Environment.GetEnvironmentVariable("NEON_LOCAL_DATA_DIR") is { Length: > 0 } root ? root : null,
        };
        configure?.Invoke(settings);
        return NeonTestingOptions.Parse(settings);
    }

    private MigrationSource Source<TContext>() => new SaltedSource(new DbContextMigrationSource(typeof(TContext), Options()), _salt);

    private Task<TestDatabaseSession> StartAsync<TContext>(NeonTestingOptions? options = null) =>
        TestDatabaseSession.StartAsync(options ?? Options(), Source<TContext>(), NullLogger.Instance, Token);

    [TestMethod]
    public async Task Migrations_AreAppliedOnce_AndASecondSessionReusesTheTemplateWithoutEf()
    {
        ConnectionCounter.Reset();
        string? template;
        TimeSpan cold;
        await using (var first = await StartAsync<BlogContext>())
        {
            Assert.IsFalse(first.MigrationsReused);
            Assert.AreEqual(2, first.Statistics.MigrationsApplied, "both migrations ran");
            Assert.IsGreaterThan(0, ConnectionCounter.Opened, "EF migrated the first session");
            template = first.TemplateName;
            cold = first.Statistics.SetupTime;
            await using var lease = await first.AcquireIsolatedBranchAsync(Token);
            Assert.AreEqual(2L, await Sql.CountAsync(lease.ConnectionString, "__EFMigrationsHistory", Token));
            Assert.AreEqual(1L, await Sql.CountAsync(lease.ConnectionString, "Posts", Token), "HasData seed");
        }

        ConnectionCounter.Reset();
        await using var second = await StartAsync<BlogContext>();
        Assert.IsTrue(second.MigrationsReused, "the migrated template is reused");
        Assert.AreEqual(0, second.Statistics.MigrationsApplied);
        Assert.AreEqual(0, ConnectionCounter.Opened, "EF opened no connection: it did not run");
        Assert.AreEqual(template, second.TemplateName);
        await using var reused = await second.AcquireIsolatedBranchAsync(Token);
        Assert.AreEqual(1L, await Sql.CountAsync(reused.ConnectionString, "Blogs", Token));
        Console.WriteLine($"EF session start: cold {cold.TotalMilliseconds:0} ms, warm {second.Statistics.SetupTime.TotalMilliseconds:0} ms");
    }

    [TestMethod]
    public async Task ADifferentModel_BuildsANewTemplate()
    {
        await using (var blogs = await StartAsync<BlogContext>())
        {
            await using var shop = await StartAsync<ShopContext>();
            Assert.IsFalse(shop.MigrationsReused);
            Assert.AreEqual(1, shop.Statistics.MigrationsApplied);
            Assert.AreNotEqual(blogs.TemplateName, shop.TemplateName);
            await using var lease = await shop.AcquireIsolatedBranchAsync(Token);
            Assert.IsTrue(await Sql.TableExistsAsync(lease.ConnectionString, "Products", Token));
            Assert.IsFalse(await Sql.TableExistsAsync(lease.ConnectionString, "Blogs", Token));
        }
    }

    [TestMethod]
    public async Task TheFingerprint_IsWhatWouldBeApplied_WithoutADatabase()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var blog = await new DbContextMigrationSource(typeof(BlogContext)).ComputeFingerprintAsync(Token);
        Console.WriteLine($"First fingerprint in this process (model, script, JIT): {started.ElapsedMilliseconds} ms");
        var again = await new DbContextMigrationSource(typeof(BlogContext)).ComputeFingerprintAsync(Token);
        var shop = await new DbContextMigrationSource(typeof(ShopContext)).ComputeFingerprintAsync(Token);
        Assert.AreEqual(blog, again, "the same model gives the same fingerprint");
        Assert.AreNotEqual(blog, shop);

        // The fingerprint is the digest of this text (remembered per build, see ModelFingerprintMemoTests).
        var model = new DbContextMigrationSource(typeof(BlogContext)).ComputeModelFingerprint();
        Assert.Contains("20261202141305_CreateBlogs", model);
        Assert.Contains("CREATE TABLE \"Posts\"", model);
        Assert.Contains("Npgsql.EntityFrameworkCore.PostgreSQL", model);
    }

    [TestMethod]
    public async Task PendingModelChanges_FailTheSession_NamingTheContextAndTheCommand()
    {
        var error = await Assert.ThrowsExactlyAsync<MigrationFailedException>(() => StartAsync<DriftedContext>());
        StringAssert.Contains(error.Message, "DriftedContext");
        StringAssert.Contains(error.Message, "dotnet ef migrations add <Name> --context DriftedContext");
        Assert.AreEqual("EF Core context DriftedContext", error.Migration);
    }

    [TestMethod]
    public async Task PendingModelChanges_FailTheSession_AlsoWithoutTheCache()
    {
        var error = await Assert.ThrowsExactlyAsync<MigrationFailedException>(() => StartAsync<DriftedContext>(Options(s => s[NeonSettings.MigrationCacheExpiry] = "0")));
        StringAssert.Contains(error.Message, "dotnet ef migrations add");
    }

    [TestMethod]
    public async Task AContextWithoutMigrations_GetsItsSchemaFromTheModel()
    {
        await using (var first = await StartAsync<ModelOnlyContext>())
        {
            Assert.AreEqual(1, first.Statistics.MigrationsApplied);
            await using var lease = await first.AcquireIsolatedBranchAsync(Token);
            Assert.AreEqual(1L, await Sql.CountAsync(lease.ConnectionString, "Tags", Token), "the model's HasData seed");
        }

        await using var second = await StartAsync<ModelOnlyContext>();
        Assert.IsTrue(second.MigrationsReused);
    }

    [TestMethod]
    public async Task ADesignTimeFactory_IsPreferred_AndGetsTheBranchThroughTheEnvironment()
    {
        FactoryContext.LastBuiltBy = null;
        var before = Environment.GetEnvironmentVariable("DATABASE_URL");
        await using var session = await StartAsync<FactoryContext>();
        Assert.AreEqual("design-time factory", FactoryContext.LastBuiltBy);
        Assert.AreEqual(1, session.Statistics.MigrationsApplied);
        Assert.AreEqual(before, Environment.GetEnvironmentVariable("DATABASE_URL"), "the variable is put back");
        await using var lease = await session.AcquireIsolatedBranchAsync(Token);
        Assert.IsTrue(await Sql.TableExistsAsync(lease.ConnectionString, "Widgets", Token));
    }

    [TestMethod]
    public async Task WithTheCacheOff_EfRunsInEverySession()
    {
        var options = Options(s => s[NeonSettings.MigrationCacheExpiry] = "0");
        await using (var first = await StartAsync<ShopContext>(options))
        {
            Assert.AreEqual(1, first.Statistics.MigrationsApplied);
        }

        await using var second = await StartAsync<ShopContext>(options);
        Assert.IsFalse(second.MigrationsReused);
        Assert.AreEqual(1, second.Statistics.MigrationsApplied);
    }

    [TestMethod]
    public async Task ASourceBesideNeonMigrations_IsRefused()
    {
        var folder = Directory.CreateTempSubdirectory("neon-ef-sql-").FullName;
        try
        {
            var error = await Assert.ThrowsExactlyAsync<NeonConfigurationException>(() => StartAsync<ShopContext>(Options(s => s[NeonSettings.Migrations] = folder)));
            Assert.AreEqual("NEON1021", error.Code);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
