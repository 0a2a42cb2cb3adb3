namespace Neon.Testing.EntityFrameworkCore.Tests.Models;

public sealed class Widget
{
    public int Id { get; set; }

    public string Name { get; set; } = "";
}
