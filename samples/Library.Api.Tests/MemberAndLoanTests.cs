using System.Net;
using System.Net.Http.Json;
using Library.Api.Domain;
using Microsoft.EntityFrameworkCore;
using static Library.Api.Endpoints.BookEndpoints;
using static Library.Api.Endpoints.LoanEndpoints;
using static Library.Api.Endpoints.MemberEndpoints;

namespace Library.Api.Tests;

[TestClass]
public sealed class MemberAndLoanTests : LibraryTest
{
    [TestMethod]
    public async Task Join_StoresTheMember()
    {
        var response = await Client.PostAsJsonAsync("/members", new MemberRequest("Cleo Curious", "cleo@example.org"), Cancellation);

        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode);
        Assert.AreEqual(3, await InDatabaseAsync(db => db.Members.CountAsync(Cancellation)));
    }

    [TestMethod]
    public async Task Join_RefusesAnEmailInUse()
    {
        var response = await Client.PostAsJsonAsync("/members", new MemberRequest("Ada Again", "ada@example.org"), Cancellation);

        Assert.AreEqual(HttpStatusCode.Conflict, response.StatusCode);
    }

    [TestMethod]
    public async Task Join_RefusesAnInvalidEmail()
    {
        var response = await Client.PostAsJsonAsync("/members", new MemberRequest("No Mail", "nowhere"), Cancellation);

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [TestMethod]
    public async Task Borrow_LendsACopy_AndTheCatalogueShowsOneFewerAvailable()
    {
        var response = await Client.PostAsJsonAsync("/loans", new LoanRequest(1, 1), Cancellation);

        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode);
        var book = await Client.GetFromJsonAsync<BookResponse>("/books/1", Cancellation);
        Assert.AreEqual(2, book!.Available);
        var member = await Client.GetFromJsonAsync<MemberResponse>("/members/1", Cancellation);
        Assert.AreEqual(1, member!.OpenLoans);
    }

    [TestMethod]
    public async Task Borrow_RefusesABookWhoseCopiesAreAllOut()
    {
        var response = await Client.PostAsJsonAsync("/loans", new LoanRequest(4, 1), Cancellation);

        Assert.AreEqual(HttpStatusCode.Conflict, response.StatusCode);
    }

    [TestMethod]
    public async Task Return_ClosesTheLoan_AndFreesTheCopy()
    {
        var response = await Client.PostAsync("/loans/1/return", null, Cancellation);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        var book = await Client.GetFromJsonAsync<BookResponse>("/books/4", Cancellation);
        Assert.AreEqual(1, book!.Available);
    }

    [TestMethod]
    public async Task Return_RefusesALoanReturnedBefore()
    {
        await Client.PostAsync("/loans/1/return", null, Cancellation);

        var response = await Client.PostAsync("/loans/1/return", null, Cancellation);

        Assert.AreEqual(HttpStatusCode.Conflict, response.StatusCode);
    }

    [TestMethod]
    public async Task Leave_RemovesTheMember_AndTheirLoans()
    {
        var response = await Client.DeleteAsync("/members/2", Cancellation);

        Assert.AreEqual(HttpStatusCode.NoContent, response.StatusCode);
        Assert.AreEqual(0, await InDatabaseAsync(db => db.Loans.CountAsync(Cancellation)));
    }

    [TestMethod]
    public async Task LoansWrittenThroughTheDbContext_AreSeenByTheApi()
    {
        await InDatabaseAsync(async db =>
        {
            db.Loans.Add(new Loan { BookId = 5, MemberId = 1, LoanedAt = DateTime.UtcNow });
            db.Loans.Add(new Loan { BookId = 5, MemberId = 2, LoanedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync(Cancellation);
        });

        var response = await Client.PostAsJsonAsync("/loans", new LoanRequest(5, 1), Cancellation);

        Assert.AreEqual(HttpStatusCode.Conflict, response.StatusCode, "both copies of Kindred are out");
    }
}
