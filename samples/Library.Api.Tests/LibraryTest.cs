using System.Net.Http.Json;
using Library.Api.Data;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Library.Api.Tests;

/// <summary>
/// What every test shares: the app bound to this test's database, an HTTP client, the app's DbContext, and the
/// check that the test starts from the migrated state: the seed rows, and nothing another test wrote.
/// No connection string, no cleanup: the SDK gives each test a clean database and restores what it changed.
/// </summary>
public abstract class LibraryTest
{
    public TestContext TestContext { get; set; } = null!;

    protected WebApplicationFactory<Program> App { get; private set; } = null!;

    protected HttpClient Client { get; private set; } = null!;

    protected CancellationToken Cancellation => TestContext.CancellationToken;

    [TestInitialize]
    public async Task StartFromTheMigratedStateAsync()
    {
        App = LibraryApp.Factory.ForCurrentTest();
        Client = App.CreateClient();

        var seedTitles = SeedData.Books.Select(s => s.Title).ToArray();
        var counts = await InDatabaseAsync(async db => new
        {
            Authors = await db.Authors.CountAsync(Cancellation),
            Books = await db.Books.CountAsync(Cancellation),
            Members = await db.Members.CountAsync(Cancellation),
            Loans = await db.Loans.CountAsync(Cancellation),
            Written = await db.Authors.AnyAsync(a => a.Id >= LibraryDbContext.FirstGeneratedId, Cancellation)
                || await db.Books.AnyAsync(b => b.Id >= LibraryDbContext.FirstGeneratedId, Cancellation)
                || await db.Members.AnyAsync(m => m.Id >= LibraryDbContext.FirstGeneratedId, Cancellation)
                || await db.Loans.AnyAsync(l => l.Id >= LibraryDbContext.FirstGeneratedId, Cancellation),
            Edited = await db.Books.CountAsync(b => seedTitles.Contains(b.Title), Cancellation),
        });

        Assert.AreEqual(SeedData.Authors.Length, counts.Authors, "seed authors");
        Assert.AreEqual(SeedData.Books.Length, counts.Books, "seed books");
        Assert.AreEqual(SeedData.Members.Length, counts.Members, "seed members");
        Assert.AreEqual(SeedData.Loans.Length, counts.Loans, "seed loans");
        Assert.AreEqual(SeedData.Books.Length, counts.Edited, "seed books keep their titles");
        Assert.IsFalse(counts.Written, "a row another test wrote is visible");
    }

    [TestCleanup]
    public void DisposeClient() => Client.Dispose();

    /// <summary>Runs <paramref name="work"/> with the app's own DbContext, in a scope of its own.</summary>
    protected async Task<T> InDatabaseAsync<T>(Func<LibraryDbContext, Task<T>> work)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<LibraryDbContext>());
    }

    protected async Task<T> ReadAsync<T>(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return await response.Content.ReadFromJsonAsync<T>(Cancellation) ?? throw new AssertFailedException("The response has no body.");
    }
}
