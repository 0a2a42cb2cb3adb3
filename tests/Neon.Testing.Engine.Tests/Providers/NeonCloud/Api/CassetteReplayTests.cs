using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Neon.Api.Tests;

/// <summary>
/// Every response Neon really sent for an operation we call goes through the generated client over
/// real HTTP (a loopback server replays the cassette) and comes back out of its types unchanged.
/// </summary>
[TestClass]
public sealed class CassetteReplayTests
{
    public TestContext TestContext { get; set; } = null!;

    public static IEnumerable<object[]> Recorded() =>
        RecordedResponses.Ours.Select(r => new object[] { r.Cassette.Name, r.Interaction.Index, r.OperationId });

    public static string DisplayName(MethodInfo method, object[] data) => $"{method.Name}({data[2]}, {data[0]} #{data[1]})";

    [TestMethod]
    public void Cassettes_CoverTheReadOperationsWeCall()
    {
        var covered = RecordedResponses.Ours.Select(r => r.OperationId).ToHashSet();

        // What the recordings hold today. A smaller set means the matcher or the trim broke.
        CollectionAssert.IsSubsetOf(
            new[] { "getProject", "listProjectBranches", "listProjectBranchDatabases", "listProjectBranchRoles", "getProjectEndpoint", "listProjectOperations", "getProjectOperation" },
            covered.ToArray());
        Assert.IsGreaterThanOrEqualTo(10, RecordedResponses.Ours.Count);
    }

    [TestMethod]
    public void EveryRecordedRequest_MatchesAnOperationOfThePublishedDocument()
    {
        var unmatched = Cassette.LoadAll()
            .SelectMany(c => c.Interactions.Select(i => (c.Name, i)))
            .Where(x => OpenApiRoutes.Published.Match(x.i.Method, RecordedResponses.RelativePath(x.i.Uri)) is null)
            .Select(x => $"{x.Name} {x.i}")
            .ToList();

        Assert.IsEmpty(unmatched, string.Join("\n", unmatched));
    }

    [TestMethod]
    [DynamicData(nameof(Recorded), DynamicDataDisplayName = nameof(DisplayName))]
    public async Task RecordedResponse_RoundTripsThroughTheClient_WithNoDataLost(string cassette, int index, string operationId)
    {
        var recorded = RecordedResponses.Ours.Single(r => r.Cassette.Name == cassette && r.Interaction.Index == index);
        var interaction = recorded.Interaction;
        Assert.IsNotNull(interaction.ResponseBody, $"{cassette} {interaction} has no body to compare.");

        await using var server = LoopbackServer.Start(async context =>
        {
            context.Response.StatusCode = interaction.Status;
            context.Response.ContentType = interaction.ContentType ?? "application/json";
            var bytes = Encoding.UTF8.GetBytes(interaction.ResponseBody);
            await context.Response.OutputStream.WriteAsync(bytes);
        });
        using var http = new HttpClient { BaseAddress = new Uri(server.Root, "api/v2/") };
        var client = new NeonApiClient(http);

        var result = await ClientCalls.InvokeAsync(client, operationId, recorded.Path, interaction.Uri.Query, interaction.RequestBody, TestContext.CancellationToken);

        // The client asked for exactly what the recording asked for ...
        Assert.AreEqual($"{interaction.Method} {interaction.Uri.PathAndQuery}", server.Requests.Single().Line);
        // ... and its types hold everything Neon answered.
        using var original = JsonDocument.Parse(interaction.ResponseBody);
        using var roundTripped = JsonDocument.Parse(JsonSerializer.Serialize(result, result.GetType(), NeonApiClient.SerializerOptions));
        var differences = JsonShape.Differences(original.RootElement, roundTripped.RootElement);
        Assert.IsEmpty(differences, $"{cassette} {interaction}:\n" + string.Join("\n", differences));
    }

    [TestMethod]
    public void CreatedProjects_CarryTheShapesACreatedBranchReturns_AndLoseNothing()
    {
        // No cassette records createProjectBranch, but createProject answers with the same members
        // (branch, endpoints, operations, roles, databases, connection_uris) plus the project.
        var created = Cassette.LoadAll()
            .SelectMany(c => c.Interactions)
            .Where(i => i.Status == 201 && OpenApiRoutes.Published.Match(i.Method, RecordedResponses.RelativePath(i.Uri))?.OperationId == "createProject")
            .ToList();
        Assert.IsNotEmpty(created);

        foreach (var interaction in created)
        {
            var response = JsonSerializer.Deserialize<CreatedBranchResponse>(interaction.ResponseBody!, NeonApiClient.SerializerOptions)!;

            Assert.IsNotEmpty(response.Endpoints, $"{interaction}");
            Assert.IsNotEmpty(response.Operations, $"{interaction}");
            var undocumented = new HashSet<string>(StringComparer.Ordinal);
            ExtensionData.Collect(response, undocumented);
            CollectionAssert.AreEquivalent(new[] { "CreatedBranchResponse.project" }, undocumented.ToArray(), $"{interaction}: " + string.Join(", ", undocumented));
            using var original = JsonDocument.Parse(interaction.ResponseBody!);
            using var again = JsonDocument.Parse(JsonSerializer.Serialize(response, NeonApiClient.SerializerOptions));
            var differences = JsonShape.Differences(original.RootElement, again.RootElement);
            Assert.IsEmpty(differences, $"{interaction}:\n" + string.Join("\n", differences));
        }
    }

    [TestMethod]
    public void RecordedResponses_UseOnlyFieldsTheDocumentDescribes()
    {
        // Fields not in the document survive in AdditionalProperties (proved above), but the
        // provider cannot use them typed. Knowing which ones Neon sends keeps the trim honest.
        var undocumented = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var recorded in RecordedResponses.Ours)
        {
            var type = ResponseType(recorded.OperationId);
            var result = JsonSerializer.Deserialize(recorded.Interaction.ResponseBody!, type, NeonApiClient.SerializerOptions)!;
            ExtensionData.Collect(result, undocumented);
        }

        Assert.IsEmpty(undocumented, "Fields the trimmed document does not describe: " + string.Join(", ", undocumented));
    }

    private static Type ResponseType(string operationId) =>
        typeof(NeonApiClient).GetMethod(char.ToUpperInvariant(operationId[0]) + operationId[1..] + "Async")!.ReturnType.GetGenericArguments()[0];
}
