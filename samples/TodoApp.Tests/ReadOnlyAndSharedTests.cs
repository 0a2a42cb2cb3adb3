using Neon.Testing.Branching;
using Npgsql;

namespace TodoApp.Tests;

[TestClass]
public sealed class ReadOnlyAndSharedTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task ReadOnlyEndpoint_ReadsSeedData_AndRefusesWrites()
    {
        await using var dataSource = NpgsqlDataSource.Create(await NeonSession.Current.GetReadOnlyConnectionStringAsync(TestContext.CancellationToken));
        var store = new TodoStore(dataSource);

        Assert.HasCount(3, await store.CategoriesAsync(TestContext.CancellationToken));
        var error = await Assert.ThrowsExactlyAsync<PostgresException>(() => store.AddAsync("nope", cancellationToken: TestContext.CancellationToken));
        NeonSession.Log.Write($"Read-only endpoint refused a write: {error.SqlState} {error.MessageText}");
    }

    [TestMethod]
    public async Task SharedBranch_KeepsWhatTestsWrite()
    {
        await using var dataSource = NpgsqlDataSource.Create(await NeonSession.Current.GetSharedConnectionStringAsync(TestContext.CancellationToken));
        var store = new TodoStore(dataSource);
        var before = (await store.ListAsync(TestContext.CancellationToken)).Count;

        await store.AddAsync("shared note", cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(before + 1, (await store.ListAsync(TestContext.CancellationToken)).Count);
    }
}
