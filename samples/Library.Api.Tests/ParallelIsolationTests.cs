using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using static Library.Api.Endpoints.AuthorEndpoints;
using static Library.Api.Endpoints.BookEndpoints;
using static Library.Api.Endpoints.MemberEndpoints;

namespace Library.Api.Tests;

/// <summary>
/// Two classes that run at the same time and write the same unique values (an author's name, an ISBN, an
/// email): each has its own branch and its own app, so neither sees the other's rows or gets a conflict.
/// </summary>
public abstract class ParallelWriterTests : LibraryTest
{
    [TestMethod]
    public async Task WritesTheSameAuthor()
    {
        var response = await Client.PostAsJsonAsync("/authors", new AuthorRequest("Parallel Author"), Cancellation);

        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode);
        await Task.Delay(200, Cancellation); // overlap with the twin class's tests
        Assert.AreEqual(1, await InDatabaseAsync(db => db.Authors.CountAsync(a => a.Name == "Parallel Author", Cancellation)));
    }

    [TestMethod]
    public async Task WritesTheSameBook()
    {
        var response = await Client.PostAsJsonAsync("/books", new BookRequest("Parallel Book", "978-9-99-999999-9", 2024, 1, 1), Cancellation);

        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode);
        await Task.Delay(200, Cancellation);
        Assert.AreEqual(6, await InDatabaseAsync(db => db.Books.CountAsync(Cancellation)));
    }

    [TestMethod]
    public async Task WritesTheSameMember()
    {
        var response = await Client.PostAsJsonAsync("/members", new MemberRequest("Parallel Member", "parallel@example.org"), Cancellation);

        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode);
        await Task.Delay(200, Cancellation);
        Assert.AreEqual(3, await InDatabaseAsync(db => db.Members.CountAsync(Cancellation)));
    }
}

[TestClass]
public sealed class ParallelWriterTestsA : ParallelWriterTests;

[TestClass]
public sealed class ParallelWriterTestsB : ParallelWriterTests;
