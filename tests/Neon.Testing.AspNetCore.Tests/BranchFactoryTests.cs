using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Library.Api.Endpoints.AuthorEndpoints;

namespace Neon.Testing.AspNetCore.Tests;

/// <summary>
/// Issue 10 item 7: concurrent tests hold different branches, and an app reads its connection string once at
/// start-up, so each branch gets an app of its own, derived from the one factory the tests share.
/// </summary>
[TestClass]
public sealed class BranchFactoryTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task EachBranch_GetsItsOwnApp_AndTheAppsDoNotSeeEachOthersWrites()
    {
        var token = TestContext.CancellationToken;
        await using var session = await LibrarySession.StartAsync(token);
        await using var first = await session.AcquireIsolatedBranchAsync(token);
        await using var second = await session.AcquireIsolatedBranchAsync(token);
        await using var parent = new NeonWebApplicationFactory<Program>();
        var firstApp = LibrarySession.AppOn(parent, first.ConnectionString);
        var secondApp = LibrarySession.AppOn(parent, second.ConnectionString);
        using var firstClient = firstApp.CreateClient();
        using var secondClient = secondApp.CreateClient();

        var writes = await Task.WhenAll(
            firstClient.PostAsJsonAsync("/authors", new AuthorRequest("Same Name"), token),
            secondClient.PostAsJsonAsync("/authors", new AuthorRequest("Same Name"), token));

        Assert.AreNotSame(firstApp, secondApp);
        Assert.IsTrue(writes.All(w => w.StatusCode == HttpStatusCode.Created), "a unique name written on both branches at once: no conflict");
        Assert.HasCount(4, (await firstClient.GetFromJsonAsync<AuthorResponse[]>("/authors", token))!);
        Assert.HasCount(4, (await secondClient.GetFromJsonAsync<AuthorResponse[]>("/authors", token))!);
    }

    [TestMethod]
    public async Task TheSameBranch_ReusesItsApp_UntilTheParentIsDisposed()
    {
        var token = TestContext.CancellationToken;
        await using var session = await LibrarySession.StartAsync(token);
        await using var lease = await session.AcquireIsolatedBranchAsync(token);
        var parent = new NeonWebApplicationFactory<Program>();
        var app = LibrarySession.AppOn(parent, lease.ConnectionString);
        using (var client = app.CreateClient())
        {
            Assert.AreEqual(HttpStatusCode.OK, (await client.GetAsync("/authors", token)).StatusCode);
        }

        Assert.AreSame(app, LibrarySession.AppOn(parent, lease.ConnectionString), "one app per branch, reused by later tests");
        CollectionAssert.Contains(parent.Factories.ToList(), app, "owned by the shared factory");

        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        await parent.DisposeAsync();

        Assert.IsTrue(lifetime.ApplicationStopped.IsCancellationRequested, "disposing the shared factory stops every branch's app");
    }
}
