using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Neon.Testing.Engine.Providers.NeonCloud;

namespace Neon.Testing.Engine.Tests.Providers.NeonCloud;

/// <summary>The retry handler over real HTTP on loopback: what it retries, how long it waits, what it logs.</summary>
[TestClass]
public sealed class NeonResilienceHandlerTests
{
    private const string ApiKey = "napi_test_key_never_to_be_logged";

    private static readonly NeonResilienceOptions Fast = new()
    {
        MaxRetryAttempts = 3,
        BaseDelay = TimeSpan.FromMilliseconds(10),
        MaxDelay = TimeSpan.FromMilliseconds(50),
        AttemptTimeout = TimeSpan.FromSeconds(10),
        TotalTimeout = TimeSpan.FromSeconds(30),
        MaxRetryAfter = TimeSpan.FromSeconds(5),
    };

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task TooManyRequestsTwice_IsRetried_AfterExactlyTheRetryAfterTheServerAsked()
    {
        await using var server = LoopbackServer.Start((n, context) => n <= 2
            ? LoopbackServer.ReplyAsync(context, 429, """{"code":"","message":"rate limited"}""", ("Retry-After", "1"))
            : LoopbackServer.ReplyAsync(context, 200, """{"ok":true}"""));
        var logger = new ListLogger();
        var delays = new List<TimeSpan>();
        using var client = Client(server, logger, out var counter, delays.Add);

        using var response = await client.GetAsync("projects/p/branches", TestContext.CancellationToken);

        Assert.AreEqual(200, (int)response.StatusCode);
        Assert.HasCount(3, server.Requests);
        Assert.AreEqual(3, counter.Count);
        CollectionAssert.AreEqual(new[] { TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1) }, delays);
        var warnings = logger.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
        Assert.HasCount(2, warnings);
        StringAssert.Contains(warnings[0], "GET /api/v2/projects/p/branches: 429 Too Many Requests (Retry-After 1 s); retry 1 of 3 in 1000 ms.");
        Assert.IsTrue(server.Requests.All(r => r.Authorization == "Bearer " + ApiKey), "every attempt carries the key");
        Assert.IsFalse(logger.Entries.Any(e => e.Message.Contains(ApiKey, StringComparison.Ordinal)), "the key never reaches a log");
    }

    [TestMethod]
    public async Task ServerErrors_AreRetriedWithBackoff_UntilTheServerRecovers()
    {
        await using var server = LoopbackServer.Start((n, context) => LoopbackServer.ReplyAsync(context, n == 1 ? 503 : 200));
        var logger = new ListLogger();
        using var client = Client(server, logger, out _);

        using var response = await client.DeleteAsync("projects/p/branches/br-a", TestContext.CancellationToken);

        Assert.AreEqual(200, (int)response.StatusCode);
        Assert.HasCount(2, server.Requests);
        Assert.HasCount(1, logger.Entries.Where(e => e.Level == LogLevel.Warning).ToList());
    }

    [TestMethod]
    [DataRow(400)]
    [DataRow(404)]
    [DataRow(423)]
    public async Task ClientErrors_AreReturnedAtOnce(int status)
    {
        await using var server = LoopbackServer.Start((_, context) => LoopbackServer.ReplyAsync(context, status));
        var logger = new ListLogger();
        using var client = Client(server, logger, out _);

        using var response = await client.GetAsync("projects/p", TestContext.CancellationToken);

        Assert.AreEqual(status, (int)response.StatusCode);
        Assert.HasCount(1, server.Requests);
        Assert.IsEmpty(logger.Entries);
    }

    [TestMethod]
    public async Task TooManyRequests_AskingForTooLongAWait_IsReturnedAtOnce()
    {
        await using var server = LoopbackServer.Start((_, context) => LoopbackServer.ReplyAsync(context, 429, "{}", ("Retry-After", "3600")));
        using var client = Client(server, new ListLogger(), out _);

        using var response = await client.GetAsync("projects/p", TestContext.CancellationToken);

        Assert.AreEqual(429, (int)response.StatusCode);
        Assert.HasCount(1, server.Requests);
    }

    [TestMethod]
    public async Task RetriesStopAtTheLimit_AndTheLastAnswerIsReturned()
    {
        await using var server = LoopbackServer.Start((_, context) => LoopbackServer.ReplyAsync(context, 502));
        using var client = Client(server, new ListLogger(), out _);

        using var response = await client.GetAsync("projects/p", TestContext.CancellationToken);

        Assert.AreEqual(502, (int)response.StatusCode);
        Assert.HasCount(1 + Fast.MaxRetryAttempts, server.Requests);
    }

    [TestMethod]
    public async Task RefusedConnections_AreRetried_ThenSurfaceAsTheConnectionError()
    {
        var logger = new ListLogger();
        var closedPort = LoopbackServer.FreePort();
        using var client = Client(new Uri($"http://127.0.0.1:{closedPort}/"), logger, out var counter);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("projects/p", TestContext.CancellationToken));

        Assert.AreEqual(1 + Fast.MaxRetryAttempts, counter.Count);
        Assert.HasCount(Fast.MaxRetryAttempts, logger.Entries.Where(e => e.Message.Contains("connection failed", StringComparison.Ordinal)).ToList());
    }

    [TestMethod]
    public async Task ARequestBody_IsSentAgainOnEveryAttempt()
    {
        var bodies = new List<string>();
        await using var server = LoopbackServer.Start(async (n, context) =>
        {
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            lock (bodies)
            {
                bodies.Add(body);
            }

            await LoopbackServer.ReplyAsync(context, n == 1 ? 500 : 201);
        });
        using var client = Client(server, new ListLogger(), out _);

        using var response = await client.PostAsync("projects/p/branches", new StringContent("""{"branch":{"name":"neon-testing/x"}}"""), TestContext.CancellationToken);

        Assert.AreEqual(201, (int)response.StatusCode);
        CollectionAssert.AreEqual(new[] { """{"branch":{"name":"neon-testing/x"}}""", """{"branch":{"name":"neon-testing/x"}}""" }, bodies);
    }

    [TestMethod]
    public async Task ASlowAttempt_TimesOutAndIsRetried()
    {
        var options = Fast with { AttemptTimeout = TimeSpan.FromMilliseconds(300) };
        await using var server = LoopbackServer.Start(async (n, context) =>
        {
            if (n == 1)
            {
                // Hold the first answer well past the attempt timeout.
                await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.CancellationToken);
            }

            await LoopbackServer.ReplyAsync(context, 200);
        });
        var logger = new ListLogger();
        using var client = Client(server.Root, logger, out _, options: options);

        using var response = await client.GetAsync("projects/p", TestContext.CancellationToken);

        Assert.AreEqual(200, (int)response.StatusCode);
        Assert.HasCount(2, server.Requests);
        StringAssert.Contains(logger.Entries.Single(e => e.Level == LogLevel.Warning).Message, "no answer within 0.3 s");
    }

    private static HttpClient Client(LoopbackServer server, ILogger logger, out ApiCallCountingHandler counter, Action<TimeSpan>? onRetry = null) =>
        Client(server.Root, logger, out counter, onRetry);

    private static HttpClient Client(Uri root, ILogger logger, out ApiCallCountingHandler counter, Action<TimeSpan>? onRetry = null, NeonResilienceOptions? options = null)
    {
        counter = new ApiCallCountingHandler { InnerHandler = new SocketsHttpHandler() };
        var handler = new NeonResilienceHandler(options ?? Fast, logger)
        {
            InnerHandler = new BearerTokenHandler(ApiKey) { InnerHandler = counter },
            RetryObserved = onRetry,
        };
        return new HttpClient(handler) { BaseAddress = new Uri(root, "api/v2/"), Timeout = Timeout.InfiniteTimeSpan };
    }
}
