using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Providers.NeonCloud;

namespace Neon.Testing.Faults.Tests.NeonCloud;

/// <summary>
/// Issue 13, item 6: where the emulator departed from the spec. Deleting a branch or endpoint that is already gone
/// (or never was) answers 204, as v2.json says ("Returned if the branch doesn't exist or has already been
/// deleted"); the branch list's <c>annotations</c> holds the listed branches' annotations. The product treats
/// "already gone" as done.
/// </summary>
[TestClass]
public sealed class EmulatorWordFaults
{
    private const string Area = "neon-emulator-word";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [TestCategory("CI")]
    public async Task DeletingWhatIsGone_Answers204_AnnotationsAreListed_AndTheProductTakesGoneAsDone()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var world = await NeonFaultWorld.StartAsync(cancellationToken);
        var project = $"projects/{world.Emulator.ProjectId}";

        var (created, body) = await world.CallAsync(HttpMethod.Post, $"{project}/branches", cancellationToken, new JsonObject
        {
            ["branch"] = new JsonObject { ["name"] = "neon-testing/annotated" },
            ["endpoints"] = new JsonArray(new JsonObject { ["type"] = "read_write" }),
            ["annotation_value"] = new JsonObject { ["neon-testing"] = "fault-suite", ["session"] = "abc12345" },
        });
        Assert.AreEqual(201, created);
        var branchId = (string)body!["branch"]!["id"]!;
        var endpointId = (string)body["endpoints"]![0]!["id"]!;

        var listed = (await world.BranchesAsync(cancellationToken)).Single(b => b.Id == branchId);
        Assert.IsNotNull(listed.Annotation, "the list's annotations map holds the branch's annotation");
        Assert.AreEqual("abc12345", listed.Annotation["session"]);

        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        var endpointFirst = (await world.CallAsync(HttpMethod.Delete, $"{project}/endpoints/{endpointId}", cancellationToken)).Status;
        var endpointAgain = (await world.CallAsync(HttpMethod.Delete, $"{project}/endpoints/{endpointId}", cancellationToken)).Status;
        var endpointNever = (await world.CallAsync(HttpMethod.Delete, $"{project}/endpoints/ep-never-existed-a5000000", cancellationToken)).Status;
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        var branchFirst = (await world.CallAsync(HttpMethod.Delete, $"{project}/branches/{branchId}", cancellationToken)).Status;
        var branchAgain = (await world.CallAsync(HttpMethod.Delete, $"{project}/branches/{branchId}", cancellationToken)).Status;
        var branchNever = (await world.CallAsync(HttpMethod.Delete, $"{project}/branches/br-never-existed-a5000000", cancellationToken)).Status;
        var getGone = (await world.CallAsync(HttpMethod.Get, $"{project}/branches/{branchId}", cancellationToken)).Status;

        // The product: a session whose branch someone else deleted first ends without a warning, and deleting twice is no error.
        var log = new LogLines();
        var (session, provider) = await NeonFaultWorld.StartSessionAsync(world.Options(), cancellationToken, logger: log);
        Branch isolated;
        await using (session)
        {
            await using (var lease = await session.AcquireIsolatedBranchAsync(cancellationToken))
            {
                isolated = lease.Branch;
            }

            Assert.AreEqual(200, (await world.CallAsync(HttpMethod.Delete, $"{project}/branches/{isolated.Id}", cancellationToken)).Status);
        }

        await using var second = new NeonBranchProvider(world.Options(), log);
        await second.DeleteBranchAsync(isolated, cancellationToken);
        var warnings = log.Lines.Count(l => l.Level >= LogLevel.Warning);
        var leftovers = await world.LeftoverNamesAsync(cancellationToken);

        var passed = endpointFirst == 200 && endpointAgain == 204 && endpointNever == 204 && branchFirst == 200 && branchAgain == 204 && branchNever == 204 && getGone == 404 && warnings == 0 && leftovers.Count == 0;
        FaultLog.Record(Area, "already-gone-is-done", passed, new Dictionary<string, object?>
        {
            ["deleteEndpoint"] = endpointFirst,
            ["deleteEndpointAgain"] = endpointAgain,
            ["deleteEndpointNeverExisted"] = endpointNever,
            ["deleteBranch"] = branchFirst,
            ["deleteBranchAgain"] = branchAgain,
            ["deleteBranchNeverExisted"] = branchNever,
            ["getDeletedBranch"] = getGone,
            ["annotationsListed"] = listed.Annotation.Count,
            ["productWarningsOnGoneBranch"] = warnings,
            ["leftovers"] = leftovers.Count,
        });
        Assert.AreEqual(200, endpointFirst);
        Assert.AreEqual(204, endpointAgain, "spec: 204 for an endpoint already deleted");
        Assert.AreEqual(204, endpointNever, "spec: 204 for an endpoint that does not exist");
        Assert.AreEqual(200, branchFirst);
        Assert.AreEqual(204, branchAgain, "spec: 204 for a branch already deleted");
        Assert.AreEqual(204, branchNever, "spec: 204 for a branch that does not exist");
        Assert.AreEqual(404, getGone, "reading a deleted branch is still 404");
        Assert.AreEqual(0, warnings, "a branch already gone is deleted, not a failure: " + string.Join(" | ", log.Lines.Where(l => l.Level >= LogLevel.Warning).Select(l => l.Text)));
        Assert.IsEmpty(leftovers);
    }
}
