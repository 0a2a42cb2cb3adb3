using System.Net;
using System.Net.Http.Json;
using Neon.Testing;
using Npgsql;
using static Library.Api.Endpoints.AuthorEndpoints;
using static Library.Api.Endpoints.ReportEndpoints;

namespace Library.Api.Tests;

/// <summary>Reports only read: the read-only endpoint serves them, with no reset after any of them.</summary>
[TestClass]
[ReadOnly]
public sealed class ReportTests : LibraryTest
{
    [TestMethod]
    public async Task Stock_CountsTitlesCopiesAndLoansPerAuthor()
    {
        var stock = await Client.GetFromJsonAsync<AuthorStock[]>("/reports/stock", Cancellation);

        CollectionAssert.AreEqual(
            new[] { new AuthorStock("Octavia E. Butler", 1, 2, 0), new AuthorStock("Terry Pratchett", 2, 5, 1), new AuthorStock("Ursula K. Le Guin", 2, 5, 0) },
            stock);
    }

    [TestMethod]
    public async Task Catalogue_IsReadable()
    {
        var authors = await Client.GetFromJsonAsync<AuthorResponse[]>("/authors", Cancellation);

        Assert.AreEqual(5, authors!.Sum(a => a.Books));
    }

    [TestMethod]
    public async Task Writes_FailInTheDatabase()
    {
        var response = await Client.PostAsJsonAsync("/authors", new AuthorRequest("Not Written"), Cancellation);

        // The developer exception page names the database's refusal: a read-only login role (42501), or a
        // read-only session where the login cannot create roles (25006).
        Assert.AreEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.IsTrue(page.Contains(PostgresErrorCodes.InsufficientPrivilege, StringComparison.Ordinal) || page.Contains(PostgresErrorCodes.ReadOnlySqlTransaction, StringComparison.Ordinal), page);
    }
}
