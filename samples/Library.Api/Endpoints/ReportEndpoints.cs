using Npgsql;

namespace Library.Api.Endpoints;

public static class ReportEndpoints
{
    public sealed record AuthorStock(string Author, long Titles, long Copies, long OnLoan);

    /// <summary>Reports read with plain SQL through the app's data source: a read-only endpoint serves them.</summary>
    public static void MapReports(this IEndpointRouteBuilder app) =>
        app.MapGet("/reports/stock", async (NpgsqlDataSource dataSource) =>
        {
            await using var command = dataSource.CreateCommand("""
                SELECT a."Name", count(b."Id"), coalesce(sum(b."Copies"), 0),
                       (SELECT count(*) FROM "Loans" l JOIN "Books" lb ON lb."Id" = l."BookId" WHERE lb."AuthorId" = a."Id" AND l."ReturnedAt" IS NULL)
                FROM "Authors" a LEFT JOIN "Books" b ON b."AuthorId" = a."Id"
                GROUP BY a."Id", a."Name"
                ORDER BY a."Name"
                """);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<AuthorStock>();
            while (await reader.ReadAsync())
            {
                rows.Add(new AuthorStock(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
            }

            return rows;
        });
}
