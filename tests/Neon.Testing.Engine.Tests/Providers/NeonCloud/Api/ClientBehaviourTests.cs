using System.Text.Json;

namespace Neon.Api.Tests;

/// <summary>What the provider relies on beyond the recorded responses, over real loopback HTTP.</summary>
[TestClass]
public sealed class ClientBehaviourTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void BranchRequest_WritesExpiryAsNeonExpects_AndLeavesUnsetFieldsOut()
    {
        var request = new CreateProjectBranchRequest
        {
            Branch = new BranchCreateRequestBranch { Name = "neon-testing/x", ParentId = "br-a", ExpiresAt = new DateTimeOffset(2025, 1, 16, 22, 2, 1, TimeSpan.FromHours(1)) },
            Endpoints = [new BranchCreateRequestEndpointOptions { Type = "read_write" }],
        };

        var json = JsonSerializer.Serialize(request, NeonApiClient.SerializerOptions);

        Assert.AreEqual("""{"endpoints":[{"type":"read_write"}],"branch":{"parent_id":"br-a","name":"neon-testing/x","expires_at":"2025-01-16T21:02:01Z"}}""", json);
    }

    [TestMethod]
    public void Timestamps_KeepFractionalSeconds_WhenThereAreAny()
    {
        var json = """{"id":"0b2e2e4e-0000-4000-8000-000000000000","project_id":"p","action":"a","status":"s","failures_count":0,"created_at":"2025-01-16T21:02:01.5Z","updated_at":"2025-01-16T21:02:01Z","total_duration_ms":0}""";

        var operation = JsonSerializer.Deserialize<Operation>(json, NeonApiClient.SerializerOptions)!;

        Assert.AreEqual(json, JsonSerializer.Serialize(operation, NeonApiClient.SerializerOptions));
    }

    [TestMethod]
    public async Task UnknownStatesAndFields_DeserialiseAndSurvive_SoANeonChangeCannotBreakTheClient()
    {
        const string body = """{"operation":{"id":"0b2e2e4e-0000-4000-8000-000000000000","project_id":"p","branch_id":"br-a","action":"an_action_from_the_future","status":"a_status_from_the_future","failures_count":0,"created_at":"2025-01-16T21:02:01Z","updated_at":"2025-01-16T21:02:01Z","total_duration_ms":0,"a_field_from_the_future":{"x":[1,2]}}}""";
        await using var server = LoopbackServer.Start(context => LoopbackServer.ReplyAsync(context, 200, body));
        var client = Client(server);

        var response = await client.GetProjectOperationAsync("p", Guid.Parse("0b2e2e4e-0000-4000-8000-000000000000"), TestContext.CancellationToken);

        Assert.AreEqual("a_status_from_the_future", response.Operation.Status);
        var undocumented = new HashSet<string>();
        ExtensionData.Collect(response, undocumented);
        CollectionAssert.AreEquivalent(new[] { "Operation.a_field_from_the_future" }, undocumented.ToArray());
        using var original = JsonDocument.Parse(body);
        using var again = JsonDocument.Parse(JsonSerializer.Serialize(response, NeonApiClient.SerializerOptions));
        Assert.IsEmpty(JsonShape.Differences(original.RootElement, again.RootElement));
    }

    [TestMethod]
    public async Task ErrorResponse_CarriesStatusAndNeonsMessage()
    {
        await using var server = LoopbackServer.Start(context => LoopbackServer.ReplyAsync(context, 404, """{"code":"","message":"branch not found","request_id":"r-1"}"""));
        var client = Client(server);

        var error = await Assert.ThrowsExactlyAsync<NeonApiException<GeneralError>>(() => client.GetProjectBranchAsync("p", "br-missing", TestContext.CancellationToken));

        Assert.AreEqual(404, error.StatusCode);
        Assert.AreEqual("branch not found", error.Result.Message);
    }

    [TestMethod]
    public async Task DeletingABranchThatIsGone_ThrowsWithStatus204_WhichCallersTreatAsDone()
    {
        await using var server = LoopbackServer.Start(context =>
        {
            context.Response.StatusCode = 204;
            return Task.CompletedTask;
        });
        var client = Client(server);

        var error = await Assert.ThrowsAsync<NeonApiException>(() => client.DeleteProjectBranchAsync("p", "br-gone", TestContext.CancellationToken));

        Assert.AreEqual(204, error.StatusCode);
    }

    [TestMethod]
    public async Task UnreadableResponse_LeavesTheBodyOutOfTheException_BecauseItMayHoldAPassword()
    {
        // Cut off mid-document, right after the secret.
        await using var server = LoopbackServer.Start(context => LoopbackServer.ReplyAsync(context, 200, """{"password":"s3cret-Pw-123","extra":"""));
        var client = Client(server);

        var error = await Assert.ThrowsAsync<NeonApiException>(() => client.GetProjectBranchRolePasswordAsync("p", "br-a", "neondb_owner", TestContext.CancellationToken));

        Assert.DoesNotContain("s3cret-Pw-123", error.ToString());
        Assert.AreEqual(string.Empty, error.Response);
    }

    [TestMethod]
    public async Task PathParameters_AreEscaped()
    {
        await using var server = LoopbackServer.Start(context => LoopbackServer.ReplyAsync(context, 200, """{"password":"x"}"""));
        var client = Client(server);

        await client.GetProjectBranchRolePasswordAsync("p", "br-a", "role/with space", TestContext.CancellationToken);

        Assert.AreEqual("GET /api/v2/projects/p/branches/br-a/roles/role%2Fwith%20space/reveal_password", server.Requests.Single().Line);
    }

    private static NeonApiClient Client(LoopbackServer server) =>
        new(new HttpClient { BaseAddress = new Uri(server.Root, "api/v2/") });
}
