namespace Neon.Testing.EntityFrameworkCore.Tests.Models;

public sealed class Tag
{
    public int Id { get; set; }

    public string Label { get; set; } = "";
}
