using System.Diagnostics;
using Neon.Api.Emulator;
using Neon.Testing.Engine.Providers.NeonCloud;

namespace Neon.Testing.Faults.Tests.NeonCloud;

/// <summary>
/// Issue 13, item 3/5: Neon's published rate limits in the emulator (700 requests per minute per account, 40 per
/// second per route; 429 with Neon's error body and Retry-After), and the product kept inside them when it polls
/// faster than they allow.
/// </summary>
[TestClass]
public sealed class RateLimitFaults
{
    private const string Area = "neon-rate-limits";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [TestCategory("CI")]
    public async Task TheEmulatorRefusesOverFortyPerRouteSecond_AndOverSevenHundredPerMinute_With429AndRetryAfter()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var world = await NeonFaultWorld.StartAsync(cancellationToken);
        using var http = world.Emulator.CreateHttpClient();
        var path = $"projects/{world.Emulator.ProjectId}/branches";

        // A burst of 60 to one route: 40 pass, the rest get 429 with a Retry-After and Neon's error body.
        var burst = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => http.GetAsync(path, cancellationToken)));
        var admitted = burst.Count(r => (int)r.StatusCode == 200);
        var refused = burst.Where(r => (int)r.StatusCode == 429).ToList();
        var retryAfter = refused.Select(r => r.Headers.RetryAfter?.Delta?.TotalSeconds ?? -1).ToList();
        var body = refused.Count > 0 ? await refused[0].Content.ReadAsStringAsync(cancellationToken) : "";
        var requestIds = refused.Count(r => r.Headers.Contains("x-neon-ret-request-id"));
        foreach (var response in burst)
        {
            response.Dispose();
        }

        // The account's minute: 700 requests over several routes (20 per route and second, half the burst limit), then 429 until the minute frees a slot.
        world.Emulator.RateLimits.ResetFigures();
        var routes = new[] { path, $"projects/{world.Emulator.ProjectId}", $"projects/{world.Emulator.ProjectId}/operations", $"projects/{world.Emulator.ProjectId}/endpoints", $"projects/{world.Emulator.ProjectId}/branches/{world.Emulator.DefaultBranchId}", $"projects/{world.Emulator.ProjectId}/branches/{world.Emulator.DefaultBranchId}/endpoints", $"projects/{world.Emulator.ProjectId}/branches/{world.Emulator.DefaultBranchId}/roles", $"projects/{world.Emulator.ProjectId}/branches/{world.Emulator.DefaultBranchId}/databases" };
        var statuses = new List<int>();
        var minuteRetryAfter = 0.0;
        var clock = Stopwatch.StartNew();
        for (var round = 0; statuses.Count < 720; round++)
        {
            var tick = Stopwatch.StartNew();
            var wave = await Task.WhenAll(routes.SelectMany(r => Enumerable.Repeat(r, 20)).Take(720 - statuses.Count).Select(r => http.GetAsync(r, cancellationToken)));
            foreach (var response in wave)
            {
                statuses.Add((int)response.StatusCode);
                if ((int)response.StatusCode == 429)
                {
                    minuteRetryAfter = Math.Max(minuteRetryAfter, response.Headers.RetryAfter?.Delta?.TotalSeconds ?? -1);
                }

                response.Dispose();
            }

            var rest = TimeSpan.FromSeconds(1.05) - tick.Elapsed;
            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest, cancellationToken);
            }
        }

        var firstRefusal = statuses.IndexOf(429);
        var minuteAdmitted = statuses.Count(s => s == 200);
        var passed = admitted == 40 && refused.Count == 20 && retryAfter.All(s => s >= 1) && body.Contains("\"message\"", StringComparison.Ordinal) && minuteAdmitted == 700;
        FaultLog.Record(Area, "published-limits", passed, new Dictionary<string, object?>
        {
            ["burstSent"] = 60,
            ["burstAdmitted"] = admitted,
            ["burstRefused429"] = refused.Count,
            ["burstRetryAfterSeconds"] = retryAfter.DefaultIfEmpty().Max(),
            ["refusalsWithRequestId"] = requestIds,
            ["minuteSent"] = statuses.Count,
            ["minuteAdmitted"] = minuteAdmitted,
            ["minuteFirstRefusalAt"] = firstRefusal + 1,
            ["minuteRetryAfterSeconds"] = minuteRetryAfter,
            ["minuteSendSeconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
        }, body);

        Assert.AreEqual(40, admitted, "40 requests per second to one route");
        Assert.HasCount(20, refused);
        Assert.IsTrue(retryAfter.All(s => s >= 1), "every 429 says when to come back");
        Assert.Contains("\"message\"", body, "Neon's GeneralError body");
        Assert.AreEqual(700, minuteAdmitted, "700 requests per minute per account");
        Assert.IsGreaterThan(1.0, minuteRetryAfter, "the minute's 429 asks to wait until the oldest request leaves the window");
    }

    [TestMethod]
    public async Task RunnersPollingFasterThanTheLimit_AreSlowedBy429s_AndAllFinish()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var world = await NeonFaultWorld.StartAsync(cancellationToken);
        var eager = new NeonTimings { FirstPollInterval = TimeSpan.FromMilliseconds(5), MaxPollInterval = TimeSpan.FromMilliseconds(10) };
        var clock = Stopwatch.StartNew();
        var logs = Enumerable.Range(0, 4).Select(_ => new LogLines()).ToList();
        var results = await Task.WhenAll(logs.Select(log => Task.Run(async () =>
        {
            var (session, provider) = await NeonFaultWorld.StartSessionAsync(world.Options(), cancellationToken, timings: eager, logger: log);
            await using (session)
            {
                await using var a = await session.AcquireIsolatedBranchAsync(cancellationToken);
                await using var b = await session.AcquireIsolatedBranchAsync(cancellationToken);
                await a.ResetAsync(cancellationToken);
            }

            return provider.ApiCalls;
        }, cancellationToken)));
        var refused = world.Emulator.RateLimits.Refused;
        var retries = logs.Sum(l => l.Count(Microsoft.Extensions.Logging.LogLevel.Warning, "429 Too Many Requests"));
        var leftovers = await world.LeftoverNamesAsync(cancellationToken);
        var peakRoute = world.Emulator.RateLimits.PeakRequestsPerRouteSecond;
        var passed = leftovers.Count == 0 && retries == refused && peakRoute <= 40;
        FaultLog.Record(Area, "eager-pollers-slowed-by-429", passed, new Dictionary<string, object?>
        {
            ["runners"] = 4,
            ["apiCallsPerRunner"] = results,
            ["refused429"] = refused,
            ["retriesAfter429"] = retries,
            ["peakRequestsPerSecondOneRoute"] = peakRoute,
            ["peakRequestsPerMinute"] = world.Emulator.RateLimits.PeakRequestsPerMinute,
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
            ["leftovers"] = leftovers.Count,
        });
        Assert.IsEmpty(leftovers, "every runner finished and cleaned up despite the 429s");
        Assert.AreEqual(refused, retries, "each 429 was waited out (Retry-After) and retried, none surfaced as a failure");
        Assert.IsLessThanOrEqualTo(40, peakRoute);
    }
}
