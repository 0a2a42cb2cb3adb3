using System.Net;
using System.Text.Json.Nodes;

namespace Neon.Api.Emulator.Tests;

[TestClass]
public sealed class ValidationTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("POST", "branches", "{not json", HttpStatusCode.BadRequest, DisplayName = "malformed JSON")]
    [DataRow("POST", "branches", "[]", HttpStatusCode.BadRequest, DisplayName = "a JSON array body")]
    [DataRow("POST", "branches", """{"branch":{"parent_id":"BR_UPPER"}}""", HttpStatusCode.BadRequest, DisplayName = "a parent id off the spec pattern")]
    [DataRow("POST", "branches", """{"branch":{"parent_id":"br-unknown-branch-a5000000"}}""", HttpStatusCode.NotFound, DisplayName = "an unknown parent")]
    [DataRow("POST", "branches", """{"endpoints":[{"type":"read_mostly"}]}""", HttpStatusCode.BadRequest, DisplayName = "an unknown endpoint type")]
    [DataRow("POST", "branches", """{"endpoints":[{}]}""", HttpStatusCode.BadRequest, DisplayName = "an endpoint without type")]
    [DataRow("POST", "branches", """{"endpoints":[{"type":"read_write"},{"type":"read_write"}]}""", HttpStatusCode.BadRequest, DisplayName = "two read_write endpoints")]
    [DataRow("POST", "branches", """{"branch":{"name":7}}""", HttpStatusCode.BadRequest, DisplayName = "a name that is not a string")]
    [DataRow("POST", "branches", """{"branch":{"parent_timestamp":"2025-01-01T00:00:00Z"}}""", HttpStatusCode.BadRequest, DisplayName = "point-in-time branching")]
    [DataRow("POST", "endpoints", """{"endpoint":{"type":"read_write"}}""", HttpStatusCode.BadRequest, DisplayName = "an endpoint without branch_id")]
    [DataRow("POST", "endpoints", """{"endpoint":{"branch_id":"br-unknown-branch-a5000000","type":"read_write"}}""", HttpStatusCode.NotFound, DisplayName = "an endpoint on an unknown branch")]
    [DataRow("GET", "branches/br-unknown-branch-a5000000", null, HttpStatusCode.NotFound, DisplayName = "an unknown branch")]
    [DataRow("GET", "endpoints/ep-unknown-endpoint-a5000000", null, HttpStatusCode.NotFound, DisplayName = "an unknown endpoint")]
    [DataRow("GET", "operations/not-a-uuid", null, HttpStatusCode.NotFound, DisplayName = "an unknown operation")]
    [DataRow("GET", "branches?sort_by=size", null, HttpStatusCode.BadRequest, DisplayName = "an unknown sort_by")]
    [DataRow("GET", "operations?limit=0", null, HttpStatusCode.BadRequest, DisplayName = "a limit below 1")]
    [DataRow("GET", "connection_uri?role_name=neondb_owner", null, HttpStatusCode.BadRequest, DisplayName = "a connection URI without database_name")]
    [DataRow("GET", "connection_uri?database_name=other&role_name=neondb_owner", null, HttpStatusCode.NotFound, DisplayName = "a connection URI for an unknown database")]
    [DataRow("GET", "branches/{default}/roles/postgres/reveal_password", null, HttpStatusCode.NotFound, DisplayName = "revealing an unknown role")]
    [DataRow("GET", "no/such/route", null, HttpStatusCode.NotFound, DisplayName = "an unknown route")]
    public async Task RequestOffTheSpec_GetsANeonStyleError(string method, string path, string? body, HttpStatusCode expected)
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);

        var response = await client.SendAsync(new HttpMethod(method), $"{client.Project}/{path.Replace("{default}", client.DefaultBranchId, StringComparison.Ordinal)}", body);

        Assert.AreEqual(expected, response.Status, response.Json?.ToJsonString());
        CollectionAssert.AreEquivalent(new[] { "code", "message" }, response.Body.Select(p => p.Key).ToArray());
        Assert.IsFalse(string.IsNullOrEmpty(response.Body["message"]!.GetValue<string>()));
        Assert.HasCount(1, (await client.GetAsync($"{client.Project}/branches")).Body["branches"]!.AsArray(), "a refused request changes nothing");
    }

    [TestMethod]
    public async Task UnknownProject_Gets404()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);

        (await client.GetAsync("projects/other-project-12345678/branches")).Expect(HttpStatusCode.NotFound);
        (await client.PostAsync("projects/other-project-12345678/branches", new JsonObject())).Expect(HttpStatusCode.NotFound);
    }

    [TestMethod]
    public async Task EmptyBody_CreatesABranchOfTheDefaultBranch_WithoutEndpoints()
    {
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);

        var created = (await client.SendAsync(HttpMethod.Post, $"{client.Project}/branches")).Expect(HttpStatusCode.Created).Body;

        Assert.AreEqual(client.DefaultBranchId, created["branch"]!["parent_id"]!.GetValue<string>());
        Assert.IsEmpty(created["endpoints"]!.AsArray());
        Assert.IsNull(created["connection_uris"]);
        CollectionAssert.AreEqual(new[] { "create_timeline" }, created["operations"]!.AsArray().Select(o => o!["action"]!.GetValue<string>()).ToArray());
    }
}
