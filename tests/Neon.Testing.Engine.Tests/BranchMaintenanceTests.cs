using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine.Providers.Local;

namespace Neon.Testing.Engine.Tests;

/// <summary>The user commands behind NeonBranches, NeonSweep and NeonStopServer, on real clusters.</summary>
[TestClass]
public sealed class BranchMaintenanceTests
{
    public TestContext TestContext { get; set; } = null!;

    private static NeonTestingOptions Options(string? root = null) => new()
    {
        Provider = ProviderKind.Local,
        LocalDataDirectory = root ?? TestPostgres.RootDirectory,
    };

    private static string Name(string role) => BranchNames.ForSession("maintenance-tests", BranchNames.NewSessionId(), role);

    [TestMethod]
    public async Task List_ShowsOurBranchesWithAnOpenCommandAndNoPassword_AndSweepRemovesAnEndedRunsExpiredOne()
    {
        Branch ended;
        await using (var endedRun = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, TestContext.CancellationToken))
        {
            var root = await endedRun.GetRootBranchAsync(TestContext.CancellationToken);
            ended = await endedRun.CreateBranchAsync(new BranchRequest(Name("ended"), root.Id, DateTimeOffset.UtcNow.AddSeconds(-1)), TestContext.CancellationToken);
        }

        var listed = await BranchMaintenance.ListAsync(Options(), NullLogger.Instance, TestContext.CancellationToken);
        var entry = listed.Single(b => b.Name == ended.Name);
        StringAssert.Contains(entry.HowToOpen, "psql");
        StringAssert.Contains(entry.HowToOpen, ended.Name);
        var password = (await File.ReadAllTextAsync(Path.Combine(TestPostgres.Server.RootDirectory, EmbeddedPostgres.PasswordFileName), TestContext.CancellationToken)).Trim();
        Assert.DoesNotContain(password, entry.HowToOpen, "the password is read from its file, never printed");
        Assert.IsLessThan(DateTimeOffset.UtcNow, entry.ExpiresAt!.Value);

        var swept = await BranchMaintenance.SweepAsync(Options(), NullLogger.Instance, TestContext.CancellationToken);

        Assert.IsGreaterThanOrEqualTo(1, swept);
        Assert.IsFalse(await Database.ExistsAsync(ended.Id, TestContext.CancellationToken));
        Assert.IsFalse((await BranchMaintenance.ListAsync(Options(), NullLogger.Instance, TestContext.CancellationToken)).Any(b => b.Name == ended.Name));
    }

    [TestMethod]
    public async Task StopServer_IsRefusedWhileASessionHoldsIt_AndStopsItAfterwards()
    {
        var root = Directory.CreateTempSubdirectory("neon-maintenance-").FullName;
        try
        {
            await using (var session = await LocalBranchProvider.CreateAsync(Options(root), NullLogger.Instance, TestContext.CancellationToken))
            {
                var refused = await BranchMaintenance.StopEmbeddedServerAsync(Options(root), TestContext.CancellationToken);
                Assert.IsFalse(refused.Stopped);
                Assert.IsTrue(refused.WasRunning);
                Assert.AreEqual(1, refused.LiveSessions);
            }

            var stopped = await BranchMaintenance.StopEmbeddedServerAsync(Options(root), TestContext.CancellationToken);
            Assert.IsTrue(stopped.Stopped);
            Assert.IsFalse(File.Exists(Path.Combine(root, "data", "postmaster.pid")), "the server is still running");

            var again = await BranchMaintenance.StopEmbeddedServerAsync(Options(root), TestContext.CancellationToken);
            Assert.IsFalse(again.WasRunning);
        }
        finally
        {
            await EmbeddedPostgres.StopAsync(root, TestContext.CancellationToken);
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public async Task StopServer_RefusesAServerOfTheUsers()
    {
        var options = Options() with { LocalConnectionString = TestPostgres.Server.AdminConnectionString };

        var error = await Assert.ThrowsExactlyAsync<NeonConfigurationException>(() => BranchMaintenance.StopEmbeddedServerAsync(options, TestContext.CancellationToken));

        StringAssert.Contains(error.Message, "not ours to stop");
    }
}
