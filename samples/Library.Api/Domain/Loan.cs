namespace Library.Api.Domain;

/// <summary>One copy of a book lent to a member; open until it is returned.</summary>
public sealed class Loan
{
    public int Id { get; set; }

    public int BookId { get; set; }

    public Book? Book { get; set; }

    public int MemberId { get; set; }

    public Member? Member { get; set; }

    public DateTime LoanedAt { get; set; }

    public DateTime? ReturnedAt { get; set; }
}
