namespace Neon.Samples.MSTest;

/// <summary>Default level: each test starts from the migrated database, whatever the one before it did.</summary>
[TestClass]
public sealed class IsolatedTests
{
    [TestMethod]
    public async Task Insert_First() => await InsertIntoCleanTableAsync();

    [TestMethod]
    public async Task Insert_Second() => await InsertIntoCleanTableAsync();

    [TestMethod]
    public async Task Insert_Third() => await InsertIntoCleanTableAsync();

    [TestMethod]
    public async Task SeedRows_Deleted_First() => await DeleteSeedRowsAsync();

    [TestMethod]
    public async Task SeedRows_Deleted_Second() => await DeleteSeedRowsAsync();

    [TestMethod]
    public async Task Failing_AfterInsert()
    {
        await Db.ExecuteAsync(Db.Url, "INSERT INTO items (name) VALUES ('left by a failing test')");
        Assert.Fail("Deliberate failure: its row must still be cleaned up.");
    }

    [TestMethod]
    public async Task Reading_Only_Costs_Nothing()
    {
        Assert.AreEqual(3L, await Db.CountAsync(Db.Url, "colors"));
    }

    private static async Task InsertIntoCleanTableAsync()
    {
        Assert.AreEqual(0L, await Db.CountAsync(Db.Url, "items"), "items is not empty: an earlier test's row leaked.");
        await Db.ExecuteAsync(Db.Url, "INSERT INTO items (name) VALUES ('mine')");
        Assert.AreEqual(1L, await Db.CountAsync(Db.Url, "items"));
    }

    private static async Task DeleteSeedRowsAsync()
    {
        Assert.AreEqual(3L, await Db.CountAsync(Db.Url, "colors"), "seed rows are missing: an earlier test's delete leaked.");
        await Db.ExecuteAsync(Db.Url, "DELETE FROM colors");
        Assert.AreEqual(0L, await Db.CountAsync(Db.Url, "colors"));
    }
}
