using Library.Api.Data;
using Library.Api.Endpoints;
using Microsoft.EntityFrameworkCore;
using Npgsql;

var builder = WebApplication.CreateBuilder(args);

// Read once at start-up, as most apps do: one host serves one database.
var connectionString = builder.Configuration.GetConnectionString("Library")
    ?? throw new InvalidOperationException("Set the connection string ConnectionStrings:Library (environment variable ConnectionStrings__Library).");

// The app's own pooled data source, shared by EF Core and the raw-SQL report.
builder.Services.AddNpgsqlDataSource(connectionString);
builder.Services.AddDbContext<LibraryDbContext>((services, options) => options.UseNpgsql(services.GetRequiredService<NpgsqlDataSource>()));
builder.Services.AddProblemDetails();
builder.Services.AddSingleton(TimeProvider.System);

var app = builder.Build();

app.MapAuthors();
app.MapBooks();
app.MapMembers();
app.MapLoans();
app.MapReports();

app.Run();

/// <summary>The entry point, public so that tests can host the app with WebApplicationFactory&lt;Program&gt;.</summary>
public partial class Program;
