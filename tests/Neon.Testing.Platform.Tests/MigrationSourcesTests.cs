using Neon.Testing.Engine;
using Neon.Testing.Hosting;

namespace Neon.Testing.Platform.Tests;

/// <summary>How a run finds its migration source: the test assembly's IProvidesMigrationSource attribute, or none.</summary>
[TestClass]
public sealed class MigrationSourcesTests
{
    [TestMethod]
    public void AnAssemblyWithoutTheAttribute_HasNoSource() =>
        Assert.IsNull(MigrationSources.Find(new NeonTestingOptions(), typeof(MigrationSourcesTests).Assembly, null));

    [TestMethod]
    public void NeonDbContext_WithoutTheEfCorePackage_IsOneClearError()
    {
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() =>
            MigrationSources.Find(new NeonTestingOptions { DbContext = "AppDbContext" }, typeof(MigrationSourcesTests).Assembly, null));

        Assert.AreEqual("NEON1021", error.Code);
        StringAssert.Contains(error.Message, "Neon.Testing.EntityFrameworkCore");
        StringAssert.Contains(error.Message, "AppDbContext");
    }
}
