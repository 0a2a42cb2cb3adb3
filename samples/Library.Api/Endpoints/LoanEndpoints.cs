using Library.Api.Data;
using Library.Api.Domain;
using Microsoft.EntityFrameworkCore;

namespace Library.Api.Endpoints;

public static class LoanEndpoints
{
    public sealed record LoanRequest(int BookId, int MemberId);

    public sealed record LoanResponse(int Id, int BookId, int MemberId, DateTime LoanedAt, DateTime? ReturnedAt);

    public static void MapLoans(this IEndpointRouteBuilder app)
    {
        var loans = app.MapGroup("/loans");

        loans.MapPost("/", async (LoanRequest request, LibraryDbContext db, TimeProvider clock) =>
        {
            var book = await db.Books.Where(b => b.Id == request.BookId)
                .Select(b => new { b.Copies, Out = b.Loans.Count(l => l.ReturnedAt == null) })
                .SingleOrDefaultAsync();
            if (book is null || !await db.Members.AnyAsync(m => m.Id == request.MemberId))
            {
                return Results.NotFound();
            }

            if (book.Out >= book.Copies)
            {
                return Results.Conflict("Every copy of this book is out.");
            }

            var loan = new Loan { BookId = request.BookId, MemberId = request.MemberId, LoanedAt = clock.GetUtcNow().UtcDateTime };
            db.Loans.Add(loan);
            await db.SaveChangesAsync();
            return Results.Created($"/loans/{loan.Id}", ToResponse(loan));
        });

        loans.MapPost("/{id:int}/return", async (int id, LibraryDbContext db, TimeProvider clock) =>
        {
            var loan = await db.Loans.FindAsync(id);
            if (loan is null)
            {
                return Results.NotFound();
            }

            if (loan.ReturnedAt is not null)
            {
                return Results.Conflict("The book was already returned.");
            }

            loan.ReturnedAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync();
            return Results.Ok(ToResponse(loan));
        });
    }

    private static LoanResponse ToResponse(Loan loan) => new(loan.Id, loan.BookId, loan.MemberId, loan.LoanedAt, loan.ReturnedAt);
}
