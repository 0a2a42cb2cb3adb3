using System.Diagnostics;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Providers.NeonCloud;
using Neon.Testing.Engine.Session;

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>Operations that never finish or fail while a session starts: one clear error, and nothing of ours left on Neon.</summary>
[TestClass]
public sealed class StuckOperationTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(3 * 60 * 1000, CooperativeCancellation = true)]
    public async Task SessionStart_FailsNamingTheBranchAndOperation_WhenAnOperationIsStuck_AndLeavesNoBranch()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        neon.Emulator.Faults.StallNextOperations(1, "create_timeline");

        var stopwatch = Stopwatch.StartNew();
        // Production waits 3 minutes for an operation; the same code path with a 10-second budget.
        var timings = new NeonTimings { OperationTimeout = TimeSpan.FromSeconds(10), CleanupTimeout = TimeSpan.FromSeconds(10) };
        var failure = await Assert.ThrowsExactlyAsync<NeonProviderException>(() => TestDatabaseSession.StartAsync(
            neon.Options(),
            neon.SessionLog,
            (options, logger, _) => Task.FromResult<IBranchProvider>(new NeonBranchProvider(options, logger, handler: null, new NeonResilienceOptions(), timings, timeProvider: null)),
            cancellationToken));
        stopwatch.Stop();
        neon.Observe(failure);

        StringAssert.Contains(failure.Message, "create_timeline", "names the operation");
        StringAssert.Matches(failure.Message, new System.Text.RegularExpressions.Regex(@"'neon-testing/[^']+-migration' \(br-[^)]+\)"), "names the branch and its id");
        StringAssert.Contains(failure.Message, "still 'running'", "says what state it was stuck in");
        Assert.AreEqual(1, neon.Emulator.Requests["deleteProjectBranch"], "the half-made branch was deleted");
        CollectionAssert.AreEqual(Array.Empty<string>(), (await neon.Api.NonDefaultBranchNamesAsync(cancellationToken)).ToArray(), "no branch of ours is left");
        // The delete queues behind the stuck operation: Neon took it, and the log says that rather than "could not delete".
        var cleanup = neon.Log.Entries.Single(e => e.Source == "session" && e.Text.Contains("after the failed attempt", StringComparison.Ordinal));
        StringAssert.StartsWith(cleanup.Text, "Neon accepted the deletion of branch ");
        StringAssert.Contains(cleanup.Text, "clean-up budget");
        Measurements.Record(TestContext, $"Stuck create_timeline: StartAsync failed after {stopwatch.Elapsed.TotalSeconds:0} s with: {failure.Message} Clean-up logged ({cleanup.Level}): {cleanup.Text}");
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }

    [TestMethod]
    public async Task SessionStart_ReportsAFailedOperation_AndDeletesTheBranch()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        neon.Emulator.Faults.FailNextOperations(1, "start_compute", "emulator: the compute did not start");

        // Production waits 3 minutes for an operation; the same code path with a 10-second budget.
        var timings = new NeonTimings { OperationTimeout = TimeSpan.FromSeconds(10), CleanupTimeout = TimeSpan.FromSeconds(10) };
        var failure = await Assert.ThrowsExactlyAsync<NeonProviderException>(() => TestDatabaseSession.StartAsync(
            neon.Options(),
            neon.SessionLog,
            (options, logger, _) => Task.FromResult<IBranchProvider>(new NeonBranchProvider(options, logger, handler: null, new NeonResilienceOptions(), timings, timeProvider: null)),
            cancellationToken));
        neon.Observe(failure);

        StringAssert.Contains(failure.Message, "start_compute");
        StringAssert.Contains(failure.Message, "the compute did not start");
        StringAssert.Contains(failure.Message, "-migration'");
        CollectionAssert.AreEqual(Array.Empty<string>(), (await neon.Api.NonDefaultBranchNamesAsync(cancellationToken)).ToArray());
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }
}
