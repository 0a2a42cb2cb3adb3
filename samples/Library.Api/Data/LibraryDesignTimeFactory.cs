using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Library.Api.Data;

/// <summary>
/// How dotnet ef builds the context: `migrations add` and `migrations script` never connect, so they need no
/// database; `database update` uses the connection string in ConnectionStrings__Library.
/// </summary>
public sealed class LibraryDesignTimeFactory : IDesignTimeDbContextFactory<LibraryDbContext>
{
    public LibraryDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<LibraryDbContext>()
            .UseNpgsql(Environment.GetEnvironmentVariable("ConnectionStrings__Library") ?? "Host=localhost;Database=library")
            .Options);
}
