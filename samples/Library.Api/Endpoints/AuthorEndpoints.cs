using Library.Api.Data;
using Library.Api.Domain;
using Microsoft.EntityFrameworkCore;

namespace Library.Api.Endpoints;

public static class AuthorEndpoints
{
    public sealed record AuthorRequest(string Name);

    public sealed record AuthorResponse(int Id, string Name, int Books);

    public static void MapAuthors(this IEndpointRouteBuilder app)
    {
        var authors = app.MapGroup("/authors");

        authors.MapGet("/", async (LibraryDbContext db) =>
            await db.Authors.OrderBy(a => a.Name).Select(a => new AuthorResponse(a.Id, a.Name, a.Books.Count)).ToListAsync());

        authors.MapPost("/", async (AuthorRequest request, LibraryDbContext db) =>
        {
            if (string.IsNullOrWhiteSpace(request.Name))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["name"] = ["A name is required."] });
            }

            if (await db.Authors.AnyAsync(a => a.Name == request.Name))
            {
                return Results.Conflict();
            }

            var author = new Author { Name = request.Name };
            db.Authors.Add(author);
            await db.SaveChangesAsync();
            return Results.Created($"/authors/{author.Id}", new AuthorResponse(author.Id, author.Name, 0));
        });

        authors.MapDelete("/{id:int}", async (int id, LibraryDbContext db) =>
        {
            var author = await db.Authors.Include(a => a.Books).SingleOrDefaultAsync(a => a.Id == id);
            if (author is null)
            {
                return Results.NotFound();
            }

            if (author.Books.Count > 0)
            {
                return Results.Conflict("The author still has books in the catalogue.");
            }

            db.Authors.Remove(author);
            await db.SaveChangesAsync();
            return Results.NoContent();
        });
    }
}
