using Library.Api.Domain;
using Microsoft.EntityFrameworkCore;

namespace Library.Api.Data;

/// <summary>The library's tables. The schema lives in Migrations/ (dotnet ef migrations add).</summary>
public sealed class LibraryDbContext(DbContextOptions<LibraryDbContext> options) : DbContext(options)
{
    /// <summary>Ids the seed data (<see cref="SeedData"/>) uses stay below this; generated ids start here.</summary>
    public const int FirstGeneratedId = 1000;

    public DbSet<Author> Authors => Set<Author>();

    public DbSet<Book> Books => Set<Book>();

    public DbSet<Member> Members => Set<Member>();

    public DbSet<Loan> Loans => Set<Loan>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Author>(author =>
        {
            author.Property(a => a.Id).HasIdentityOptions(startValue: FirstGeneratedId);
            author.Property(a => a.Name).HasMaxLength(200);
            author.HasIndex(a => a.Name).IsUnique();
        });

        modelBuilder.Entity<Book>(book =>
        {
            book.Property(b => b.Id).HasIdentityOptions(startValue: FirstGeneratedId);
            book.Property(b => b.Title).HasMaxLength(300);
            book.Property(b => b.Isbn).HasMaxLength(17);
            book.HasIndex(b => b.Isbn).IsUnique();
            book.ToTable(t => t.HasCheckConstraint("CK_Books_Copies", "\"Copies\" >= 0"));
            book.HasOne(b => b.Author).WithMany(a => a.Books).HasForeignKey(b => b.AuthorId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<Member>(member =>
        {
            member.Property(m => m.Id).HasIdentityOptions(startValue: FirstGeneratedId);
            member.Property(m => m.Name).HasMaxLength(200);
            member.Property(m => m.Email).HasMaxLength(320);
            member.HasIndex(m => m.Email).IsUnique();
        });

        modelBuilder.Entity<Loan>(loan =>
        {
            loan.Property(l => l.Id).HasIdentityOptions(startValue: FirstGeneratedId);
            loan.HasOne(l => l.Book).WithMany(b => b.Loans).HasForeignKey(l => l.BookId).OnDelete(DeleteBehavior.Cascade);
            loan.HasOne(l => l.Member).WithMany(m => m.Loans).HasForeignKey(l => l.MemberId).OnDelete(DeleteBehavior.Cascade);
            loan.HasIndex(l => new { l.BookId, l.ReturnedAt });
        });

        SeedData.Apply(modelBuilder);
    }
}
