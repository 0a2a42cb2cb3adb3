using Neon.Testing;
using Npgsql;

namespace TodoApp.Tests;

/// <summary>Other isolation levels, picked by attribute; such a test reads its database from NeonDatabase.</summary>
[TestClass]
public sealed class ReadOnlyAndSharedTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [ReadOnly]
    public async Task ReadOnlyEndpoint_ReadsSeedData_AndRefusesWrites()
    {
        await using var dataSource = NpgsqlDataSource.Create(NeonDatabase.ConnectionString);
        var store = new TodoStore(dataSource);

        Assert.HasCount(3, await store.CategoriesAsync(TestContext.CancellationToken));
        await Assert.ThrowsExactlyAsync<PostgresException>(() => store.AddAsync("nope", cancellationToken: TestContext.CancellationToken));
    }

    [TestMethod]
    [Shared]
    public async Task SharedBranch_KeepsWhatTestsWrite()
    {
        await using var dataSource = NpgsqlDataSource.Create(NeonDatabase.ConnectionString);
        var store = new TodoStore(dataSource);
        var before = (await store.ListAsync(TestContext.CancellationToken)).Count;

        await store.AddAsync("shared note", cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(before + 1, (await store.ListAsync(TestContext.CancellationToken)).Count);
    }
}
