using Microsoft.EntityFrameworkCore;

namespace Neon.Testing.EntityFrameworkCore.Tests.Models;

/// <summary>Has both an options constructor and a design-time factory; records which one built it.</summary>
public sealed class FactoryContext : DbContext
{
    public FactoryContext(DbContextOptions<FactoryContext> options)
        : this(options, "options constructor")
    {
    }

    internal FactoryContext(DbContextOptions<FactoryContext> options, string builtBy)
        : base(options)
    {
        LastBuiltBy = builtBy;
    }

    public static string? LastBuiltBy { get; set; }

    public DbSet<Widget> Widgets => Set<Widget>();
}
