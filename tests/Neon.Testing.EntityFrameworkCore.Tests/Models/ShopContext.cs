using Microsoft.EntityFrameworkCore;

namespace Neon.Testing.EntityFrameworkCore.Tests.Models;

/// <summary>Another model, with one migration of its own.</summary>
public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Product> Products => Set<Product>();
}
