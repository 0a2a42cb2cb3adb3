namespace Neon.Testing.EntityFrameworkCore.Tests.Models;

public sealed class Blog
{
    public int Id { get; set; }

    public string Name { get; set; } = "";

    public List<Post> Posts { get; set; } = [];
}
