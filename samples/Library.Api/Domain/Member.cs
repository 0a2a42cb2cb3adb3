namespace Library.Api.Domain;

/// <summary>A reader who may borrow books.</summary>
public sealed class Member
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public required string Email { get; set; }

    public List<Loan> Loans { get; set; } = [];
}
