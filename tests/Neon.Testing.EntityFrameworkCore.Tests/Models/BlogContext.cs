using Microsoft.EntityFrameworkCore;

namespace Neon.Testing.EntityFrameworkCore.Tests.Models;

/// <summary>Two migrations (the second seeds with HasData), built through its options constructor; counts its connections.</summary>
public sealed class BlogContext(DbContextOptions<BlogContext> options) : DbContext(options)
{
    public DbSet<Blog> Blogs => Set<Blog>();

    public DbSet<Post> Posts => Set<Post>();

    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder) => optionsBuilder.AddInterceptors(ConnectionCounter.Instance);

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Blog>().HasData(new Blog { Id = 1, Name = "Seeded blog" });
        modelBuilder.Entity<Post>().HasData(new Post { Id = 1, BlogId = 1, Title = "Seeded post" });
    }
}
