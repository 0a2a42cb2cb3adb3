using Microsoft.EntityFrameworkCore;

namespace Neon.Testing.EntityFrameworkCore.Tests.Models;

/// <summary>No migrations (as in many templates): the schema comes from the model, seed included.</summary>
public sealed class ModelOnlyContext(DbContextOptions<ModelOnlyContext> options) : DbContext(options)
{
    public DbSet<Tag> Tags => Set<Tag>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Tag>().HasData(new Tag { Id = 1, Label = "seeded" });
}
