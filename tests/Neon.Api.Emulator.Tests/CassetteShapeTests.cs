using System.Net;
using System.Text.Json.Nodes;

namespace Neon.Api.Emulator.Tests;

/// <summary>
/// Our responses carry the property names Neon really sends, as recorded in shared/neon-api/cassettes.
/// No cassette records createProjectBranch or getProjectBranch, so their branch objects are compared with
/// the branch Neon returned from createProject (test_branches.yaml) and listProjectBranches; the only extra
/// properties allowed are the ones the v2 spec gives a child branch.
/// </summary>
[TestClass]
public sealed class CassetteShapeTests
{
    // Spec (Branch): set only on branches that have a parent; created_by is filled by create/get/list.
    private static readonly string[] ChildOnly = ["parent_id", "parent_lsn", "parent_timestamp"];

    public TestContext TestContext { get; set; } = null!;

    private static string[] Keys(JsonNode? node) => [.. node!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal)];

    private static JsonObject Recorded(string file, string method, Func<string, bool> uri) => Cassettes.Response(file, method, uri);

    [TestMethod]
    public async Task CreateProjectBranch_HasTheRecordedEnvelope_AndBranchAndEndpointProperties()
    {
        var recorded = Recorded("test_branches.yaml", "POST", u => u.EndsWith("/projects", StringComparison.Ordinal));
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        emulator.Faults.StallNextOperations(1, "create_timeline");

        var created = await client.CreateBranchAsync(endpoints: "read_write");

        CollectionAssert.AreEqual(Keys(recorded).Where(k => k != "project").ToArray(), Keys(created));
        CollectionAssert.AreEqual(Keys(recorded["branch"]).Concat(ChildOnly).Append("created_by").Order(StringComparer.Ordinal).ToArray(), Keys(created["branch"]));
        CollectionAssert.AreEqual(Keys(recorded["endpoints"]![0]), Keys(created["endpoints"]![0]));
        CollectionAssert.AreEqual(Keys(recorded["roles"]![0]).Where(k => k != "password").ToArray(), Keys(created["roles"]![0]), "roles carry no password: reveal_password hands it out");
        CollectionAssert.AreEqual(Keys(recorded["databases"]![0]), Keys(created["databases"]![0]));
        CollectionAssert.AreEqual(Keys(recorded["connection_uris"]![0]), Keys(created["connection_uris"]![0]));
        CollectionAssert.AreEqual(Keys(recorded["connection_uris"]![0]!["connection_parameters"]), Keys(created["connection_uris"]![0]!["connection_parameters"]));
        CollectionAssert.AreEqual(Keys(recorded["operations"]![1]), Keys(created["operations"]![1]), "start_compute carries endpoint_id");
        CollectionAssert.AreEqual(Keys(recorded["operations"]![0]), Keys(created["operations"]![0]), "create_timeline does not");
    }

    [TestMethod]
    public async Task GetProjectBranch_HasTheRecordedBranchProperties()
    {
        var recorded = Recorded("test_branches.yaml", "GET", u => u.EndsWith("/branches", StringComparison.Ordinal))["branches"]![0];
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        emulator.Faults.StallNextOperations(1, "create_timeline");
        var branchId = (await client.CreateBranchAsync())["branch"]!["id"]!.GetValue<string>();

        var fetched = (await client.GetAsync($"{client.Project}/branches/{branchId}")).Expect(HttpStatusCode.OK).Body;

        // The recorded branch was initialising too; ours is a child, so it also names its parent.
        CollectionAssert.AreEqual(Keys(recorded).Concat(ChildOnly).Order(StringComparer.Ordinal).ToArray(), Keys(fetched["branch"]));
        CollectionAssert.AreEqual(new[] { "annotation", "branch" }, Keys(fetched), "BranchResponse + AnnotationResponse, as the spec composes getProjectBranch");
    }

    [TestMethod]
    public async Task ListProjectBranches_HasTheRecordedEnvelope_AndBranchProperties()
    {
        var recorded = Recorded("test_branches.yaml", "GET", u => u.EndsWith("/branches", StringComparison.Ordinal));
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);

        var listed = (await client.GetAsync($"{client.Project}/branches")).Expect(HttpStatusCode.OK).Body;

        CollectionAssert.AreEqual(Keys(recorded), Keys(listed));
        CollectionAssert.AreEqual(Keys(recorded["pagination"]), Keys(listed["pagination"]));

        // Recorded while initialising (pending_state); ours is ready (logical_size instead), as Neon reports a ready branch.
        var expected = Keys(recorded["branches"]![0]).Where(k => k != "pending_state").Append("logical_size").Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(expected, Keys(listed["branches"]![0]));
    }

    [TestMethod]
    public async Task GetProjectEndpoint_AndListEndpoints_HaveTheRecordedProperties()
    {
        var recordedGet = Recorded("test_endpoints.yaml", "GET", u => u.Contains("/endpoints/", StringComparison.Ordinal));
        var recordedList = Recorded("test_endpoints.yaml", "GET", u => u.EndsWith("/endpoints", StringComparison.Ordinal));
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        emulator.Faults.StallNextOperations(1, "start_compute");
        var created = (await client.PostAsync($"{client.Project}/endpoints", new JsonObject
        {
            ["endpoint"] = new JsonObject { ["branch_id"] = client.DefaultBranchId, ["type"] = "read_only" },
        })).Expect(HttpStatusCode.Created).Body;
        var endpointId = created["endpoint"]!["id"]!.GetValue<string>();

        var fetched = (await client.GetAsync($"{client.Project}/endpoints/{endpointId}")).Expect(HttpStatusCode.OK).Body;
        var listed = (await client.GetAsync($"{client.Project}/branches/{client.DefaultBranchId}/endpoints")).Expect(HttpStatusCode.OK).Body;

        CollectionAssert.AreEqual(Keys(recordedGet), Keys(fetched));
        CollectionAssert.AreEqual(Keys(recordedGet["endpoint"]), Keys(fetched["endpoint"]));
        CollectionAssert.AreEqual(Keys(recordedList), Keys(listed));
        var starting = listed["endpoints"]!.AsArray().Single(e => e!["id"]!.GetValue<string>() == endpointId);
        CollectionAssert.AreEqual(Keys(recordedList["endpoints"]![0]), Keys(starting));
        CollectionAssert.AreEqual(new[] { "endpoint", "operations" }, Keys(created));
    }

    [TestMethod]
    public async Task ProjectOperationsAndConnectionUri_HaveTheRecordedProperties()
    {
        var recordedProject = Recorded("test_project.yaml", "GET", u => u.EndsWith("/projects/long-forest-06846227", StringComparison.Ordinal));
        var recordedOperation = Recorded("test_operations.yaml", "GET", u => u.Contains("/operations/", StringComparison.Ordinal));
        var recordedOperations = Recorded("test_operations.yaml", "GET", u => u.EndsWith("/operations", StringComparison.Ordinal));
        var recordedUri = Recorded("test_project.yaml", "GET", u => u.Contains("/connection_uri", StringComparison.Ordinal));
        var recordedRoles = Recorded("test_roles.yaml", "GET", u => u.EndsWith("/roles", StringComparison.Ordinal));
        var recordedDatabases = Recorded("test_database.yaml", "GET", u => u.EndsWith("/databases", StringComparison.Ordinal));
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);
        var created = await client.CreateBranchAsync(endpoints: "read_write");
        var startCompute = created["operations"]![1]!["id"]!.GetValue<string>();

        var project = (await client.GetAsync(client.Project)).Expect(HttpStatusCode.OK).Body;
        var operation = (await client.GetAsync($"{client.Project}/operations/{startCompute}")).Expect(HttpStatusCode.OK).Body;
        var operations = (await client.GetAsync($"{client.Project}/operations")).Expect(HttpStatusCode.OK).Body;
        var uri = (await client.GetAsync($"{client.Project}/connection_uri?database_name=neondb&role_name=neondb_owner&pooled=True")).Expect(HttpStatusCode.OK).Body;
        var roles = (await client.GetAsync($"{client.Project}/branches/{client.DefaultBranchId}/roles")).Expect(HttpStatusCode.OK).Body;
        var databases = (await client.GetAsync($"{client.Project}/branches/{client.DefaultBranchId}/databases")).Expect(HttpStatusCode.OK).Body;

        CollectionAssert.AreEqual(Keys(recordedProject["project"]), Keys(project["project"]));
        CollectionAssert.AreEqual(Keys(recordedOperation["operation"]), Keys(operation["operation"]));
        CollectionAssert.AreEqual(Keys(recordedOperations), Keys(operations));
        CollectionAssert.AreEqual(Keys(recordedOperations["pagination"]), Keys(operations["pagination"]));
        CollectionAssert.AreEqual(Keys(recordedUri), Keys(uri));
        StringAssert.StartsWith(uri["uri"]!.GetValue<string>(), "postgresql://neondb_owner:");
        StringAssert.EndsWith(uri["uri"]!.GetValue<string>(), "/neondb?sslmode=require");
        CollectionAssert.AreEqual(Keys(recordedRoles["roles"]![0]), Keys(roles["roles"]![0]));
        CollectionAssert.AreEqual(Keys(recordedDatabases["databases"]![0]), Keys(databases["databases"]![0]));
    }

    [TestMethod]
    public async Task Errors_HaveTheRecordedShape()
    {
        var recorded = Cassettes.Load("test_project_delete.yaml").Single(i => i.Status == 400);
        await using var emulator = await Emulators.StartAsync(TestContext.CancellationToken);
        using var client = new NeonClient(emulator, TestContext.CancellationToken);

        var response = await client.SendAsync(HttpMethod.Post, $"{client.Project}/endpoints", "{}");

        Assert.AreEqual(HttpStatusCode.BadRequest, response.Status);
        CollectionAssert.AreEqual(Keys(JsonNode.Parse(recorded.Body!)), Keys(response.Body));
        StringAssert.StartsWith(response.Body["message"]!.GetValue<string>(), "invalid request: decode application/json: invalid: endpoint (field required)");
        StringAssert.StartsWith(JsonNode.Parse(recorded.Body!)!["message"]!.GetValue<string>(), "invalid request: decode application/json: invalid: project (field required)");
    }
}
