using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine;
using Neon.Testing.EntityFrameworkCore.Tests.Models;

namespace Neon.Testing.EntityFrameworkCore.Tests;

/// <summary>Which context the SDK-generated attribute picks, and what it says when it cannot.</summary>
[TestClass]
public sealed class DbContextDiscoveryTests
{
    private static readonly Type[] Several = [typeof(BlogContext), typeof(ShopContext)];

    private static NeonTestingOptions Options(Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = new Dictionary<string, string?> { [NeonSettings.Provider] = "Local" };
        configure?.Invoke(settings);
        return NeonTestingOptions.Parse(settings);
    }

    [TestMethod]
    public void TheOnlyContext_IsFoundWithoutASetting() =>
        Assert.AreEqual(typeof(ShopContext), DbContextDiscovery.Resolve(null, [typeof(ShopContext)], "App.Tests"));

    [TestMethod]
    public void NoContext_MeansNoSource() =>
        Assert.IsNull(DbContextDiscovery.Resolve(null, [], "App.Tests"));

    [TestMethod]
    public void SeveralContexts_WithoutNeonDbContext_FailWithTheSettingAndTheCandidates()
    {
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => DbContextDiscovery.Resolve(null, Several, "App.Tests"));
        Assert.AreEqual("NEON1021", error.Code);
        StringAssert.Contains(error.Message, "NeonDbContext");
        StringAssert.Contains(error.Message, typeof(BlogContext).FullName);
        StringAssert.Contains(error.Message, typeof(ShopContext).FullName);
    }

    [TestMethod]
    public void NeonDbContext_NamesAContextByClassOrFullName()
    {
        Assert.AreEqual(typeof(ShopContext), DbContextDiscovery.Resolve("ShopContext", Several, "App.Tests"));
        Assert.AreEqual(typeof(BlogContext), DbContextDiscovery.Resolve(typeof(BlogContext).FullName, Several, "App.Tests"));
    }

    [TestMethod]
    public void AnUnknownNeonDbContext_ListsWhatExists()
    {
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => DbContextDiscovery.Resolve("OrdersContext", Several, "App.Tests"));
        Assert.AreEqual("NEON1021", error.Code);
        StringAssert.Contains(error.Message, "OrdersContext");
        StringAssert.Contains(error.Message, "ShopContext");
    }

    [TestMethod]
    public void TheTestAssemblysContexts_AreFound()
    {
        var found = DbContextDiscovery.FindContexts(typeof(DbContextDiscoveryTests).Assembly);
        CollectionAssert.IsSubsetOf(new[] { typeof(BlogContext), typeof(ShopContext), typeof(ModelOnlyContext), typeof(FactoryContext), typeof(DriftedContext) }, found.ToList());
        Assert.IsFalse(found.Any(t => t.Assembly.GetName().Name!.StartsWith("Microsoft.", StringComparison.Ordinal)), "framework contexts are not the app's");
    }

    [TestMethod]
    public void TheAttribute_UsesNeonDbContext()
    {
        var source = new NeonEntityFrameworkCoreAttribute().CreateMigrationSource(Options(s => s[NeonSettings.DbContext] = "ModelOnlyContext"), typeof(DbContextDiscoveryTests).Assembly, NullLogger.Instance);
        Assert.AreEqual(typeof(ModelOnlyContext), ((DbContextMigrationSource)source!).ContextType);
    }

    [TestMethod]
    public void TheAttribute_StepsAside_WhenNeonMigrationsIsSetAndNeonDbContextIsNot()
    {
        var folder = Directory.CreateTempSubdirectory("neon-ef-sql-").FullName;
        try
        {
            Assert.IsNull(new NeonEntityFrameworkCoreAttribute().CreateMigrationSource(Options(s => s[NeonSettings.Migrations] = folder), typeof(DbContextDiscoveryTests).Assembly, NullLogger.Instance));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void NeonDbContext_BesideNeonMigrationCommand_IsOneClearError()
    {
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => Options(s =>
        {
            s[NeonSettings.DbContext] = "ShopContext";
            s[NeonSettings.MigrationCommand] = "./migrate.sh";
        }));
        Assert.AreEqual("NEON1021", error.Code);
        StringAssert.Contains(error.Message, "NeonMigrationCommand");
    }

    [TestMethod]
    public void NeonDbContext_MustLookLikeATypeName()
    {
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => Options(s => s[NeonSettings.DbContext] = "App Db;Context"));
        Assert.AreEqual("NEON1021", error.Code);
    }
}
