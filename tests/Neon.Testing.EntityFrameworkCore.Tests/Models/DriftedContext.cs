using Microsoft.EntityFrameworkCore;

namespace Neon.Testing.EntityFrameworkCore.Tests.Models;

/// <summary>A model changed after its last migration (<see cref="Note.Author"/>).</summary>
public sealed class DriftedContext(DbContextOptions<DriftedContext> options) : DbContext(options)
{
    public DbSet<Note> Notes => Set<Note>();
}
