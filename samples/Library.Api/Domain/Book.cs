namespace Library.Api.Domain;

/// <summary>A title of the catalogue and how many copies the library owns.</summary>
public sealed class Book
{
    public int Id { get; set; }

    public required string Title { get; set; }

    public required string Isbn { get; set; }

    public int PublishedYear { get; set; }

    public int Copies { get; set; }

    public int AuthorId { get; set; }

    public Author? Author { get; set; }

    public List<Loan> Loans { get; set; } = [];
}
