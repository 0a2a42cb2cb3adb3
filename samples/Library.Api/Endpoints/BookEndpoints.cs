using Library.Api.Data;
using Library.Api.Domain;
using Microsoft.EntityFrameworkCore;

namespace Library.Api.Endpoints;

public static class BookEndpoints
{
    public sealed record BookRequest(string Title, string Isbn, int PublishedYear, int Copies, int AuthorId);

    public sealed record BookResponse(int Id, string Title, string Isbn, int PublishedYear, int Copies, int Available, string Author);

    public static void MapBooks(this IEndpointRouteBuilder app)
    {
        var books = app.MapGroup("/books");

        books.MapGet("/", async (LibraryDbContext db, string? author) =>
            await Query(db.Books.Where(b => author == null || b.Author!.Name == author).OrderBy(b => b.Title)).ToListAsync());

        books.MapGet("/{id:int}", async (int id, LibraryDbContext db) =>
            await Query(db.Books.Where(b => b.Id == id)).SingleOrDefaultAsync() is { } book ? Results.Ok(book) : Results.NotFound());

        books.MapPost("/", async (BookRequest request, LibraryDbContext db) =>
        {
            if (Validate(request) is { } problem)
            {
                return problem;
            }

            if (!await db.Authors.AnyAsync(a => a.Id == request.AuthorId))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["authorId"] = ["No such author."] });
            }

            if (await db.Books.AnyAsync(b => b.Isbn == request.Isbn))
            {
                return Results.Conflict("A book with this ISBN is already in the catalogue.");
            }

            var book = new Book { Title = request.Title, Isbn = request.Isbn, PublishedYear = request.PublishedYear, Copies = request.Copies, AuthorId = request.AuthorId };
            db.Books.Add(book);
            await db.SaveChangesAsync();
            return Results.Created($"/books/{book.Id}", await Query(db.Books.Where(b => b.Id == book.Id)).SingleAsync());
        });

        books.MapPut("/{id:int}", async (int id, BookRequest request, LibraryDbContext db) =>
        {
            if (Validate(request) is { } problem)
            {
                return problem;
            }

            var book = await db.Books.FindAsync(id);
            if (book is null)
            {
                return Results.NotFound();
            }

            book.Title = request.Title;
            book.Isbn = request.Isbn;
            book.PublishedYear = request.PublishedYear;
            book.Copies = request.Copies;
            book.AuthorId = request.AuthorId;
            await db.SaveChangesAsync();
            return Results.Ok(await Query(db.Books.Where(b => b.Id == id)).SingleAsync());
        });

        books.MapDelete("/{id:int}", async (int id, LibraryDbContext db) =>
            await db.Books.Where(b => b.Id == id).ExecuteDeleteAsync() == 0 ? Results.NotFound() : Results.NoContent());
    }

    private static IQueryable<BookResponse> Query(IQueryable<Book> books) =>
        books.Select(b => new BookResponse(
            b.Id, b.Title, b.Isbn, b.PublishedYear, b.Copies, b.Copies - b.Loans.Count(l => l.ReturnedAt == null), b.Author!.Name));

    private static IResult? Validate(BookRequest request) =>
        string.IsNullOrWhiteSpace(request.Title) || string.IsNullOrWhiteSpace(request.Isbn) || request.Copies < 0
            ? Results.ValidationProblem(new Dictionary<string, string[]> { ["book"] = ["A title, an ISBN and a copy count of zero or more are required."] })
            : null;
}
