using Npgsql;

namespace TodoApp.Tests;

/// <summary>
/// What a test needs: the connection string in DATABASE_URL. The SDK's test-platform extension creates
/// the database before the first test, gives every test a clean one, and removes it after the last.
/// </summary>
public abstract class DatabaseTest
{
    protected NpgsqlDataSource DataSource { get; private set; } = null!;

    protected TodoStore Store => new(DataSource);

    [TestInitialize]
    public void OpenDatabase() =>
        DataSource = NpgsqlDataSource.Create(Environment.GetEnvironmentVariable("DATABASE_URL") ?? throw new InvalidOperationException("DATABASE_URL is not set."));

    [TestCleanup]
    public async Task CloseDatabaseAsync() => await DataSource.DisposeAsync();
}
