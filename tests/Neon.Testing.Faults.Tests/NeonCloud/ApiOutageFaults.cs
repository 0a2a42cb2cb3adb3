using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Neon.Testing.Engine.Providers.NeonCloud;

namespace Neon.Testing.Faults.Tests.NeonCloud;

/// <summary>
/// Issue 13, item 3 (Neon): the API unreachable (connection refused) mid-session. A short outage is ridden out by
/// the retries; one longer than the retry budget fails the call with one clear error, promptly; once the API is
/// back the session ends with no branch left.
/// </summary>
[TestClass]
public sealed class ApiOutageFaults
{
    private const string Area = "neon-api-outage";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task ConnectionRefusedMidSession_ShortOutageRetried_LongOutageFailsClearly_NothingLeftAfterwards()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var world = await NeonFaultWorld.StartAsync(cancellationToken);
        await using var gate = RefusingGate.Start(world.Emulator.BaseAddress);
        var budget = new NeonResilienceOptions { MaxRetryAttempts = 6, BaseDelay = TimeSpan.FromMilliseconds(250), MaxDelay = TimeSpan.FromSeconds(2), AttemptTimeout = TimeSpan.FromSeconds(5), TotalTimeout = TimeSpan.FromSeconds(8) };
        var shortOutage = TimeSpan.FromSeconds(3);
        var longOutage = TimeSpan.FromSeconds(15);
        var log = new LogLines();
        var (session, _) = await NeonFaultWorld.StartSessionAsync(world.Options(apiUrl: gate.Rewrite(world.Emulator.BaseAddress)), cancellationToken, resilience: budget, logger: log);
        double shortSeconds, longSeconds;
        int retriesShort, retriesLong;
        string error;
        await using (session)
        {
            await using var first = await session.AcquireIsolatedBranchAsync(cancellationToken);

            // Short outage: the API refuses connections for 3 s while the session needs a new branch.
            await gate.DownAsync();
            var clock = Stopwatch.StartNew();
            _ = Task.Delay(shortOutage, cancellationToken).ContinueWith(_ => gate.Up(), TaskScheduler.Default);
            await using (var second = await session.AcquireIsolatedBranchAsync(cancellationToken))
            {
                shortSeconds = clock.Elapsed.TotalSeconds;
            }

            retriesShort = log.Count(LogLevel.Warning, "connection failed");

            // Long outage: 15 s, beyond the 8 s budget of one call.
            await using var held = await session.AcquireIsolatedBranchAsync(cancellationToken);
            await gate.DownAsync();
            clock.Restart();
            var failure = await Assert.ThrowsAsync<Exception>(async () => await (await session.AcquireIsolatedBranchAsync(cancellationToken)).DisposeAsync());
            longSeconds = clock.Elapsed.TotalSeconds;
            error = failure.Message;
            retriesLong = log.Count(LogLevel.Warning, "connection failed") - retriesShort;
            Assert.IsInstanceOfType<NeonProviderException>(failure, failure.ToString());

            // The API comes back; the session ends normally and deletes everything.
            var back = longOutage - clock.Elapsed;
            if (back > TimeSpan.Zero)
            {
                await Task.Delay(back, cancellationToken);
            }

            gate.Up();
        }

        var leftovers = await world.LeftoverNamesAsync(cancellationToken);
        var clear = error.Contains("Could not", StringComparison.Ordinal) && error.Contains("refused", StringComparison.OrdinalIgnoreCase) && !error.Contains(world.Emulator.ApiKey, StringComparison.Ordinal);
        var passed = shortSeconds >= shortOutage.TotalSeconds - 0.5 && longSeconds <= budget.TotalTimeout.TotalSeconds + 5 && clear && leftovers.Count == 0;
        FaultLog.Record(Area, "connection-refused-mid-session", passed, new Dictionary<string, object?>
        {
            ["shortOutageSeconds"] = shortOutage.TotalSeconds,
            ["shortOutageCallSeconds"] = Math.Round(shortSeconds, 1),
            ["shortOutageRetries"] = retriesShort,
            ["longOutageSeconds"] = longOutage.TotalSeconds,
            ["retryBudgetSeconds"] = budget.TotalTimeout.TotalSeconds,
            ["longOutageFailedAfterSeconds"] = Math.Round(longSeconds, 1),
            ["longOutageRetries"] = retriesLong,
            ["errorIsClear"] = clear,
            ["leftoversAfterApiReturned"] = leftovers.Count,
        }, error);

        Assert.IsGreaterThanOrEqualTo(shortOutage.TotalSeconds - 0.5, shortSeconds, "the short outage was really waited out");
        Assert.IsGreaterThan(0, retriesShort, "retried while refused");
        Assert.IsLessThanOrEqualTo(budget.TotalTimeout.TotalSeconds + 5, longSeconds, "the long outage fails within the retry budget, no hang");
        Assert.IsTrue(clear, $"one clear error naming the failed action and the refusal: {error}");
        Assert.IsEmpty(leftovers, "no branch left once the API is back and the session ended");
    }
}
