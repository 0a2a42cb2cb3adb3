using System.Net;
using System.Net.Http.Json;
using Library.Api.Data;
using Microsoft.EntityFrameworkCore;
using static Library.Api.Endpoints.AuthorEndpoints;

namespace Library.Api.Tests;

[TestClass]
public sealed class AuthorTests : LibraryTest
{
    [TestMethod]
    public async Task List_ReturnsTheSeededAuthors_WithTheirBookCounts()
    {
        var authors = await Client.GetFromJsonAsync<AuthorResponse[]>("/authors", Cancellation);

        CollectionAssert.AreEqual(new[] { "Octavia E. Butler", "Terry Pratchett", "Ursula K. Le Guin" }, authors!.Select(a => a.Name).ToArray());
        Assert.AreEqual(2, authors!.Single(a => a.Name == "Terry Pratchett").Books);
    }

    [TestMethod]
    public async Task Create_StoresTheAuthor_WithAGeneratedId()
    {
        var response = await Client.PostAsJsonAsync("/authors", new AuthorRequest("N. K. Jemisin"), Cancellation);

        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode);
        var created = await ReadAsync<AuthorResponse>(response);
        Assert.IsGreaterThanOrEqualTo(LibraryDbContext.FirstGeneratedId, created.Id);
        Assert.IsTrue(await InDatabaseAsync(db => db.Authors.AnyAsync(a => a.Name == "N. K. Jemisin", Cancellation)));
    }

    [TestMethod]
    public async Task Create_RefusesAnAuthorWhoExists()
    {
        var response = await Client.PostAsJsonAsync("/authors", new AuthorRequest("Terry Pratchett"), Cancellation);

        Assert.AreEqual(HttpStatusCode.Conflict, response.StatusCode);
    }

    [TestMethod]
    public async Task Delete_RemovesAnAuthorWithoutBooks()
    {
        var created = await ReadAsync<AuthorResponse>(await Client.PostAsJsonAsync("/authors", new AuthorRequest("Iain M. Banks"), Cancellation));

        var response = await Client.DeleteAsync($"/authors/{created.Id}", Cancellation);

        Assert.AreEqual(HttpStatusCode.NoContent, response.StatusCode);
        Assert.AreEqual(3, await InDatabaseAsync(db => db.Authors.CountAsync(Cancellation)));
    }

    [TestMethod]
    public async Task Delete_RefusesAnAuthorWhoseBooksAreInTheCatalogue()
    {
        var response = await Client.DeleteAsync("/authors/1", Cancellation);

        Assert.AreEqual(HttpStatusCode.Conflict, response.StatusCode);
    }
}
