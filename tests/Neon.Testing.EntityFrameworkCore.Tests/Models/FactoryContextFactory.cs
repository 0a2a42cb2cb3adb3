using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Neon.Testing.EntityFrameworkCore.Tests.Models;

/// <summary>A typical design-time factory: it reads the connection string from the environment, as the app does.</summary>
public sealed class FactoryContextFactory : IDesignTimeDbContextFactory<FactoryContext>
{
    public FactoryContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("DATABASE_URL")
            ?? throw new InvalidOperationException("DATABASE_URL is not set.");
        return new FactoryContext(new DbContextOptionsBuilder<FactoryContext>().UseNpgsql(connectionString).Options, "design-time factory");
    }
}
