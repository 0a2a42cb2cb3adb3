using System.Net;
using System.Net.Http.Json;
using Library.Api.Data;
using Microsoft.EntityFrameworkCore;
using static Library.Api.Endpoints.BookEndpoints;

namespace Library.Api.Tests;

[TestClass]
public sealed class BookTests : LibraryTest
{
    [TestMethod]
    public async Task List_ReturnsTheCatalogue_WithCopiesAvailable()
    {
        var books = await Client.GetFromJsonAsync<BookResponse[]>("/books", Cancellation);

        Assert.HasCount(5, books!);
        var smallGods = books!.Single(b => b.Title == "Small Gods");
        Assert.AreEqual(0, smallGods.Available, "its only copy is on loan in the seed data");
    }

    [TestMethod]
    public async Task List_FiltersByAuthor()
    {
        var books = await Client.GetFromJsonAsync<BookResponse[]>("/books?author=Ursula K. Le Guin", Cancellation);

        CollectionAssert.AreEqual(new[] { "A Wizard of Earthsea", "The Left Hand of Darkness" }, books!.Select(b => b.Title).ToArray());
    }

    [TestMethod]
    public async Task Get_ReturnsOneBook()
    {
        var book = await Client.GetFromJsonAsync<BookResponse>("/books/5", Cancellation);

        Assert.AreEqual("Kindred", book!.Title);
        Assert.AreEqual("Octavia E. Butler", book.Author);
    }

    [TestMethod]
    public async Task Get_ReturnsNotFound_ForAnUnknownBook()
    {
        var response = await Client.GetAsync("/books/999", Cancellation);

        Assert.AreEqual(HttpStatusCode.NotFound, response.StatusCode);
    }

    [TestMethod]
    public async Task Create_AddsTheBook_WithEveryCopyAvailable()
    {
        var response = await Client.PostAsJsonAsync("/books", new BookRequest("Parable of the Sower", "978-1-53-871732-3", 1993, 2, 3), Cancellation);

        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode);
        var book = await ReadAsync<BookResponse>(response);
        Assert.AreEqual(2, book.Available);
        Assert.AreEqual(LibraryDbContext.FirstGeneratedId, book.Id, "the identity starts where the migrated state left it, whatever other tests inserted");
    }

    [TestMethod]
    public async Task Create_RefusesADuplicateIsbn()
    {
        var response = await Client.PostAsJsonAsync("/books", new BookRequest("Kindred again", "978-0-8070-8369-7", 2003, 1, 3), Cancellation);

        Assert.AreEqual(HttpStatusCode.Conflict, response.StatusCode);
    }

    [TestMethod]
    public async Task Create_RefusesAnUnknownAuthor()
    {
        var response = await Client.PostAsJsonAsync("/books", new BookRequest("Orphan", "978-0-00-000000-0", 2000, 1, 42), Cancellation);

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [TestMethod]
    public async Task Update_ChangesTheBook()
    {
        var response = await Client.PutAsJsonAsync("/books/3", new BookRequest("Guards! Guards! (illustrated)", "978-0-06-225237-1", 1989, 6, 2), Cancellation);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        var stored = await InDatabaseAsync(db => db.Books.AsNoTracking().SingleAsync(b => b.Id == 3, Cancellation));
        Assert.AreEqual("Guards! Guards! (illustrated)", stored.Title);
        Assert.AreEqual(6, stored.Copies);
    }

    [TestMethod]
    public async Task Delete_RemovesTheBook_AndItsLoans()
    {
        var response = await Client.DeleteAsync("/books/4", Cancellation);

        Assert.AreEqual(HttpStatusCode.NoContent, response.StatusCode);
        Assert.AreEqual(0, await InDatabaseAsync(db => db.Loans.CountAsync(Cancellation)), "the seed loan of Small Gods goes with it");
    }

    [TestMethod]
    public async Task Delete_ReturnsNotFound_ForAnUnknownBook()
    {
        var response = await Client.DeleteAsync("/books/999", Cancellation);

        Assert.AreEqual(HttpStatusCode.NotFound, response.StatusCode);
    }
}
