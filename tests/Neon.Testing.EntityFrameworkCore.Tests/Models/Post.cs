namespace Neon.Testing.EntityFrameworkCore.Tests.Models;

public sealed class Post
{
    public int Id { get; set; }

    public int BlogId { get; set; }

    public string Title { get; set; } = "";
}
