using Library.Api.Domain;
using Microsoft.EntityFrameworkCore;

namespace Library.Api.Data;

/// <summary>The catalogue every fresh database starts with (the SeedCatalog migration, through HasData).</summary>
public static class SeedData
{
    public static readonly Author[] Authors =
    [
        new() { Id = 1, Name = "Ursula K. Le Guin" },
        new() { Id = 2, Name = "Terry Pratchett" },
        new() { Id = 3, Name = "Octavia E. Butler" },
    ];

    public static readonly Book[] Books =
    [
        new() { Id = 1, Title = "A Wizard of Earthsea", Isbn = "978-0-553-38304-2", PublishedYear = 1968, Copies = 3, AuthorId = 1 },
        new() { Id = 2, Title = "The Left Hand of Darkness", Isbn = "978-0-441-47812-5", PublishedYear = 1969, Copies = 2, AuthorId = 1 },
        new() { Id = 3, Title = "Guards! Guards!", Isbn = "978-0-06-225237-1", PublishedYear = 1989, Copies = 4, AuthorId = 2 },
        new() { Id = 4, Title = "Small Gods", Isbn = "978-0-06-223737-8", PublishedYear = 1992, Copies = 1, AuthorId = 2 },
        new() { Id = 5, Title = "Kindred", Isbn = "978-0-8070-8369-7", PublishedYear = 1979, Copies = 2, AuthorId = 3 },
    ];

    public static readonly Member[] Members =
    [
        new() { Id = 1, Name = "Ada Reader", Email = "ada@example.org" },
        new() { Id = 2, Name = "Ben Borrower", Email = "ben@example.org" },
    ];

    /// <summary>One open loan, so the catalogue starts with a copy out.</summary>
    public static readonly Loan[] Loans =
    [
        new() { Id = 1, BookId = 4, MemberId = 2, LoanedAt = new DateTime(2025, 1, 15, 10, 0, 0, DateTimeKind.Utc) },
    ];

    public static void Apply(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Author>().HasData(Authors.Select(a => new Author { Id = a.Id, Name = a.Name }));
        modelBuilder.Entity<Book>().HasData(Books.Select(b => new Book { Id = b.Id, Title = b.Title, Isbn = b.Isbn, PublishedYear = b.PublishedYear, Copies = b.Copies, AuthorId = b.AuthorId }));
        modelBuilder.Entity<Member>().HasData(Members.Select(m => new Member { Id = m.Id, Name = m.Name, Email = m.Email }));
        modelBuilder.Entity<Loan>().HasData(Loans.Select(l => new Loan { Id = l.Id, BookId = l.BookId, MemberId = l.MemberId, LoanedAt = l.LoanedAt }));
    }
}
