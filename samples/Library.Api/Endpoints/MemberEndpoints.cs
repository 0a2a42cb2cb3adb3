using Library.Api.Data;
using Library.Api.Domain;
using Microsoft.EntityFrameworkCore;

namespace Library.Api.Endpoints;

public static class MemberEndpoints
{
    public sealed record MemberRequest(string Name, string Email);

    public sealed record MemberResponse(int Id, string Name, string Email, int OpenLoans);

    public static void MapMembers(this IEndpointRouteBuilder app)
    {
        var members = app.MapGroup("/members");

        members.MapGet("/{id:int}", async (int id, LibraryDbContext db) =>
            await db.Members.Where(m => m.Id == id).Select(m => new MemberResponse(m.Id, m.Name, m.Email, m.Loans.Count(l => l.ReturnedAt == null))).SingleOrDefaultAsync() is { } member
                ? Results.Ok(member)
                : Results.NotFound());

        members.MapPost("/", async (MemberRequest request, LibraryDbContext db) =>
        {
            if (string.IsNullOrWhiteSpace(request.Name) || !request.Email.Contains('@', StringComparison.Ordinal))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["member"] = ["A name and an email address are required."] });
            }

            if (await db.Members.AnyAsync(m => m.Email == request.Email))
            {
                return Results.Conflict("A member with this email address exists.");
            }

            var member = new Member { Name = request.Name, Email = request.Email };
            db.Members.Add(member);
            await db.SaveChangesAsync();
            return Results.Created($"/members/{member.Id}", new MemberResponse(member.Id, member.Name, member.Email, 0));
        });

        members.MapDelete("/{id:int}", async (int id, LibraryDbContext db) =>
            await db.Members.Where(m => m.Id == id).ExecuteDeleteAsync() == 0 ? Results.NotFound() : Results.NoContent());
    }
}
