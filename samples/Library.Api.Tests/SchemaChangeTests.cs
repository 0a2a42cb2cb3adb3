using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using static Library.Api.Endpoints.BookEndpoints;

namespace Library.Api.Tests;

/// <summary>
/// A test that changes the schema gets its branch re-created afterwards (a full reset). The app that served it
/// keeps running for the next test on that branch: its pooled connections, killed by the reset, are cleared.
/// </summary>
[TestClass]
public sealed class SchemaChangeTests : LibraryTest
{
    [TestMethod]
    public async Task AddingAColumn_IsVisibleToRawSql_AndGoneForTheNextTest()
    {
        await InDatabaseAsync(db => db.Database.ExecuteSqlRawAsync("""ALTER TABLE "Books" ADD COLUMN "Shelf" text NOT NULL DEFAULT 'A1'""", Cancellation));

        var shelves = await InDatabaseAsync(db => db.Database.SqlQueryRaw<string>("""SELECT "Shelf" AS "Value" FROM "Books" """).ToListAsync(Cancellation));

        Assert.HasCount(5, shelves);
    }

    [TestMethod]
    public async Task DroppingATable_BreaksTheApp_OnlyForThisTest()
    {
        await InDatabaseAsync(db => db.Database.ExecuteSqlRawAsync("""DROP TABLE "Loans" """, Cancellation));

        var response = await Client.GetAsync("/books", Cancellation);

        Assert.AreEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        StringAssert.Contains(await response.Content.ReadAsStringAsync(Cancellation), PostgresErrorCodes.UndefinedTable);
    }

    [TestMethod]
    public async Task AfterASchemaChange_TheSameAppServesTheMigratedSchema()
    {
        var books = await Client.GetFromJsonAsync<BookResponse[]>("/books", Cancellation);
        var response = await Client.PostAsJsonAsync("/loans", new Endpoints.LoanEndpoints.LoanRequest(1, 1), Cancellation);

        Assert.HasCount(5, books!);
        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode);
    }
}
