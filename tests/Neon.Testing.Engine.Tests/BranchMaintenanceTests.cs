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
    public async Task List_ShowsOurBranchesWithAnOpenCommandAndNoPassword_AndSweepRemovesThoseOfAnEndedRun()
    {
        Branch left;
        await using (var run = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, TestContext.CancellationToken))
        {
            var root = await run.GetRootBranchAsync(TestContext.CancellationToken);
            left = await run.CreateBranchAsync(new BranchRequest(Name("left"), root.Id, DateTimeOffset.UtcNow.AddMinutes(10)), TestContext.CancellationToken);

            // Listed while its run lives (a sweep by a concurrent session leaves a live run's branch alone).
            var listed = await BranchMaintenance.ListAsync(Options(), NullLogger.Instance, TestContext.CancellationToken);
            var entry = listed.Single(b => b.Name == left.Name);
            StringAssert.Contains(entry.HowToOpen, "psql");
            StringAssert.Contains(entry.HowToOpen, left.Name);
            var password = (await File.ReadAllTextAsync(Path.Combine(TestPostgres.Server.RootDirectory, EmbeddedPostgres.PasswordFileName), TestContext.CancellationToken)).Trim();
            Assert.DoesNotContain(password, entry.HowToOpen, "the password is read from its file, never printed");
            Assert.IsGreaterThan(DateTimeOffset.UtcNow, entry.ExpiresAt!.Value);
        }

        // Its run ended without deleting it: the sweep removes it now, not at its expiry.
        await BranchMaintenance.SweepAsync(Options(), NullLogger.Instance, TestContext.CancellationToken);

        Assert.IsFalse(await Database.ExistsAsync(left.Id, TestContext.CancellationToken));
        Assert.IsFalse((await BranchMaintenance.ListAsync(Options(), NullLogger.Instance, TestContext.CancellationToken)).Any(b => b.Name == left.Name));
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
