using System.Globalization;
using System.Net;

namespace Neon.Api.Emulator.Tests;

[TestClass]
public sealed class ExpiryTests
{
    public TestContext TestContext { get; set; } = null!;

    private static string In(TimeSpan span) => DateTimeOffset.UtcNow.Add(span).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [TestMethod]
    public async Task ExpiresAt_IsReportedWithItsInterval()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);

        var branch = (await client.CreateBranchAsync(expiresAt: In(TimeSpan.FromMinutes(10))))["branch"]!;

        Assert.IsNotNull(branch["expires_at"]);
        Assert.IsInRange(595L, 600L, branch["ttl_interval_seconds"]!.GetValue<long>());
    }

    [TestMethod]
    public async Task ExpiresAt_OnAChildOfAnExpiringBranch_IsRefused()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        var parent = (await client.CreateBranchAsync(expiresAt: In(TimeSpan.FromMinutes(10))))["branch"]!["id"]!.GetValue<string>();

        var refused = await client.PostAsync($"{client.Project}/branches", NeonClient.BranchRequest(parent, expiresAt: In(TimeSpan.FromMinutes(5))));
        var allowed = await client.PostAsync($"{client.Project}/branches", NeonClient.BranchRequest(parent));

        Assert.AreEqual(HttpStatusCode.BadRequest, refused.Status);
        StringAssert.Contains(refused.Body["message"]!.GetValue<string>(), "expiration");
        Assert.AreEqual(HttpStatusCode.Created, allowed.Status, "a child without expiry is allowed unless RefuseChildrenOfExpiringBranches");
        Assert.AreEqual(3, emulator.Requests["createProjectBranch"], "every attempt is counted");
    }

    [TestMethod]
    public async Task AnyChildOfAnExpiringBranch_IsRefused_WhenConfiguredStrict()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken, o => o with { RefuseChildrenOfExpiringBranches = true });
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        var parent = (await client.CreateBranchAsync(expiresAt: In(TimeSpan.FromMinutes(10))))["branch"]!["id"]!.GetValue<string>();

        (await client.PostAsync($"{client.Project}/branches", NeonClient.BranchRequest(parent))).Expect(HttpStatusCode.BadRequest);
    }

    [TestMethod]
    [DataRow("past", DisplayName = "in the past")]
    [DataRow("too-far", DisplayName = "beyond 30 days")]
    [DataRow("no-zone", DisplayName = "without a time zone")]
    [DataRow("garbage", DisplayName = "not a date")]
    public async Task ExpiresAt_IsRefused_WhenInvalid(string kind)
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        var value = kind switch
        {
            "past" => In(TimeSpan.FromMinutes(-1)),
            "too-far" => In(TimeSpan.FromDays(31)),
            "no-zone" => In(TimeSpan.FromHours(1)).TrimEnd('Z'),
            _ => "tomorrow",
        };

        var response = await client.PostAsync($"{client.Project}/branches", NeonClient.BranchRequest(expiresAt: value));

        Assert.AreEqual(HttpStatusCode.BadRequest, response.Status);
        Assert.HasCount(1, (await client.GetAsync($"{client.Project}/branches")).Body["branches"]!.AsArray());
    }

    [TestMethod]
    public async Task ExpiredBranch_IsDeletedWithItsDatabase()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        var created = await client.CreateBranchAsync(expiresAt: In(TimeSpan.FromSeconds(2)), endpoints: "read_write");
        await client.WaitForOperationsAsync(created);
        var branchId = created["branch"]!["id"]!.GetValue<string>();

        await client.Until(async () => (await client.GetAsync($"{client.Project}/branches/{branchId}")).Status == HttpStatusCode.NotFound, "the branch to expire");
        await client.Until(async () => !await emulator.LocalDatabaseExistsAsync(branchId, TestContext.CancellationToken), "its database to go");

        (await client.GetAsync($"{client.Project}/endpoints/{created["endpoints"]![0]!["id"]}")).Expect(HttpStatusCode.NotFound);
    }
}
