namespace TodoApp.Tests;

[TestClass]
public sealed class TodoStoreTests : DatabaseTest
{
    [TestMethod]
    public async Task Add_StoresTheItem()
    {
        await Store.AddAsync("buy milk", "errands");

        var items = await Store.ListAsync();
        Assert.HasCount(1, items);
        Assert.AreEqual("errands", items[0].Category);
    }

    [TestMethod]
    public async Task EveryTest_StartsWithAnEmptyTodoList()
    {
        // Runs in any order with Add_StoresTheItem: isolation guarantees a clean table either way.
        Assert.IsEmpty(await Store.ListAsync());
        await Store.AddAsync("write the report", "work");
        await Store.AddAsync("water the plants", "home");
        Assert.HasCount(2, await Store.ListAsync());
    }

    [TestMethod]
    public async Task Ids_StartFromOne_InEveryTest()
    {
        // Sequences are restored too, so generated ids are predictable.
        Assert.AreEqual(1, await Store.AddAsync("first"));
    }

    [TestMethod]
    public async Task Complete_MarksTheItemDone()
    {
        var id = await Store.AddAsync("ship it", "work");

        await Store.CompleteAsync(id);

        Assert.IsTrue((await Store.ListAsync()).Single().Done);
    }

    [TestMethod]
    public async Task SeedCategories_AreThere_EvenAfterAnotherTestDeletedOne()
    {
        await Store.DeleteCategoryAsync("home");
        CollectionAssert.AreEqual(new[] { "errands", "work" }, (await Store.CategoriesAsync()).ToArray());
    }

    [TestMethod]
    public async Task SeedCategories_AreRestored()
    {
        CollectionAssert.AreEqual(new[] { "errands", "home", "work" }, (await Store.CategoriesAsync()).ToArray());
    }
}
