namespace Neon.Testing.EntityFrameworkCore.Tests.Models;

public sealed class Product
{
    public int Id { get; set; }

    public string Sku { get; set; } = "";
}
