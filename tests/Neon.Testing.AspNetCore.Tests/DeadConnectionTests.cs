using System.Net;
using System.Net.Http.Json;
using Library.Api.Data;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Neon.Testing.Engine.Isolation;
using static Library.Api.Endpoints.BookEndpoints;

namespace Neon.Testing.AspNetCore.Tests;

/// <summary>
/// Issue 10 item 6: a test changes the schema, its branch is re-created (the local provider drops and re-clones
/// the database, killing every connection to it), and the next test goes through the SAME app, whose own
/// NpgsqlDataSource still pools connections to the old database.
/// </summary>
[TestClass]
public sealed class DeadConnectionTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task AfterAFullReset_TheNextRequestThroughTheSameApp_Succeeds()
    {
        var token = TestContext.CancellationToken;
        await using var session = await LibrarySession.StartAsync(token);
        await using var lease = await session.AcquireIsolatedBranchAsync(token);
        await using var parent = new NeonWebApplicationFactory<Program>();
        var app = LibrarySession.AppOn(parent, lease.ConnectionString);
        using var client = app.CreateClient();
        LibrarySession.Guard(app, session);

        var reset = await ChangeSchemaThenResetAsync(app, client, lease, token);

        Assert.AreEqual(ResetKind.Full, reset.Kind);
        var books = await client.GetFromJsonAsync<BookResponse[]>("/books", token);
        Assert.HasCount(5, books!, "the data test passes on the re-created branch");
        Assert.AreEqual(HttpStatusCode.Created, (await client.PostAsJsonAsync("/members", new Library.Api.Endpoints.MemberEndpoints.MemberRequest("After", "after@example.org"), token)).StatusCode);
    }

    [TestMethod]
    public async Task WithoutTheGuard_TheNextRequestMeetsAConnectionTheResetKilled()
    {
        // The same scenario on a plain WebApplicationFactory: what the guard prevents.
        var token = TestContext.CancellationToken;
        await using var session = await LibrarySession.StartAsync(token);
        await using var lease = await session.AcquireIsolatedBranchAsync(token);
        await using var app = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("ConnectionStrings:Library", lease.ConnectionString));
        using var client = app.CreateClient();

        await ChangeSchemaThenResetAsync(app, client, lease, token);

        var response = await client.GetAsync("/books", token);
        Assert.AreEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        StringAssert.Contains(await response.Content.ReadAsStringAsync(token), "57P01", "terminating connection due to administrator command");
    }

    private static async Task<ResetResult> ChangeSchemaThenResetAsync(WebApplicationFactory<Program> app, HttpClient client, Engine.Session.IsolatedBranchLease lease, CancellationToken token)
    {
        // Requests leave idle connections in the app's data source; the DDL test's own change goes through it too.
        Assert.HasCount(5, (await client.GetFromJsonAsync<BookResponse[]>("/books", token))!);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<LibraryDbContext>().Database.ExecuteSqlRawAsync("""ALTER TABLE "Books" ADD COLUMN "Shelf" text""", token);
        }

        return await lease.ResetAsync(token);
    }
}
