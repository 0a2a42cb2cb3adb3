using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine.Providers.Local;
using Npgsql;

namespace Neon.Testing.Engine.Tests;

[TestClass]
public sealed class EmbeddedPostgresTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Start_ReusesTheRunningCluster_OnTheSamePort()
    {
        var again = await EmbeddedPostgres.StartAsync(TestPostgres.Server.RootDirectory, NullLogger.Instance, TestContext.CancellationToken);

        Assert.AreEqual(EmbeddedStart.Reused, again.Start);
        Assert.AreEqual(TestPostgres.Server.Port, again.Port);
    }

    [TestMethod]
    public async Task Server_IsTunedForTests_AndListensOnLoopbackOnly()
    {
        await using var connection = new NpgsqlConnection(TestPostgres.Server.AdminConnectionString);
        await connection.OpenAsync(TestContext.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT current_setting('fsync'), current_setting('synchronous_commit'), current_setting('full_page_writes'), current_setting('listen_addresses')", connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.CancellationToken);
        Assert.IsTrue(await reader.ReadAsync(TestContext.CancellationToken));
        Assert.AreEqual("off", reader.GetString(0));
        Assert.AreEqual("off", reader.GetString(1));
        Assert.AreEqual("off", reader.GetString(2));
        Assert.AreEqual("127.0.0.1", reader.GetString(3));
    }

    [TestMethod]
    public async Task TwoProcessesStartingAtOnce_ShareOneCluster()
    {
        var root = Path.Combine(Path.GetTempPath(), "neon-embedded-" + Guid.NewGuid().ToString("N")[..8]);
        if (EmbeddedPostgres.IsRoot)
        {
            root = Path.Combine("/var/tmp", Path.GetFileName(root));
        }

        try
        {
            var starts = await Task.WhenAll(
                EmbeddedPostgres.StartAsync(root, NullLogger.Instance, TestContext.CancellationToken),
                EmbeddedPostgres.StartAsync(root, NullLogger.Instance, TestContext.CancellationToken));

            Assert.AreEqual(starts[0].Port, starts[1].Port);
            CollectionAssert.AreEquivalent(new[] { EmbeddedStart.Initialized, EmbeddedStart.Reused }, starts.Select(s => s.Start).ToArray());
            await using var connection = new NpgsqlConnection(starts[1].AdminConnectionString);
            await connection.OpenAsync(TestContext.CancellationToken);
        }
        finally
        {
            Assert.IsTrue(await EmbeddedPostgres.StopAsync(root, TestContext.CancellationToken));
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void Find_WithoutBinaries_SaysWhatToInstallAndWhichPropertyToSet()
    {
        // Only an empty PATH: the well-known folders still hold binaries on this machine, so
        // the search is pointed at a folder with none through the internal seam.
        var empty = Directory.CreateTempSubdirectory().FullName;
        var error = Assert.ThrowsExactly<NeonConfigurationException>(() => PostgresBinaries.Find(empty, includeWellKnownLocations: false));

        StringAssert.Contains(error.Message, "apt-get install postgresql");
        StringAssert.Contains(error.Message, "NeonLocalConnectionString");
        Assert.AreEqual(NeonSettings.LocalConnectionString, error.Setting);
    }
}
