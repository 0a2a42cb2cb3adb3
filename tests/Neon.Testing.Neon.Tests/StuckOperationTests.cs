using System.Diagnostics;
using Neon.Testing.Branching;
using Neon.Testing.Branching.Neon;

namespace Neon.Testing.Neon.Tests;

/// <summary>Operations that never finish or fail while a session starts: one clear error, and nothing of ours left on Neon.</summary>
[TestClass]
public sealed class StuckOperationTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// The session builds its provider with the production timings (3 min per operation, 60 s clean-up
    /// budget); they are internal, so this test waits them out in real time. The timeout is the bound.
    /// </summary>
    [TestMethod]
    [Timeout(10 * 60 * 1000, CooperativeCancellation = true)]
    public async Task SessionStart_FailsNamingTheBranchAndOperation_WhenAnOperationIsStuck_AndLeavesNoBranch()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        neon.Emulator.Faults.StallNextOperations(1, "create_timeline");

        var stopwatch = Stopwatch.StartNew();
        var failure = await Assert.ThrowsExactlyAsync<NeonProviderException>(() => TestDatabaseSession.StartAsync(neon.Options(), neon.SessionLog, cancellationToken));
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

        var failure = await Assert.ThrowsExactlyAsync<NeonProviderException>(() => TestDatabaseSession.StartAsync(neon.Options(), neon.SessionLog, cancellationToken));
        neon.Observe(failure);

        StringAssert.Contains(failure.Message, "start_compute");
        StringAssert.Contains(failure.Message, "the compute did not start");
        StringAssert.Contains(failure.Message, "-migration'");
        CollectionAssert.AreEqual(Array.Empty<string>(), (await neon.Api.NonDefaultBranchNamesAsync(cancellationToken)).ToArray());
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }
}
