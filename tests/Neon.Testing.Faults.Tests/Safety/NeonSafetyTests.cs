using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Neon.Api.Emulator;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Providers.NeonCloud;

namespace Neon.Testing.Faults.Tests.Safety;

/// <summary>
/// Issue 13 item 10 on Neon, through the API emulator: the project's default branch, the session's parent branch and
/// a user branch without our prefix are never reset, renamed, deleted or given an endpoint, nothing is created from a
/// branch that is not the parent or ours, and the sweeper leaves them. Proven by the emulator's request counts: not one
/// mutating call on them reaches the API.
/// </summary>
[TestClass]
public sealed class NeonSafetyTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task BranchesThatAreNotOurs_AreNeverWrittenResetOrDeleted()
    {
        var ct = TestContext.CancellationToken;
        await using var emulator = await NeonApiEmulator.StartAsync(
            new NeonApiEmulatorOptions { AdminConnectionString = TestPostgres.Server.AdminConnectionString, EndpointStartDelay = TimeSpan.FromMilliseconds(20) }, ct);
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", emulator.ApiKey);
        async Task<Branch> CreateUserBranchAsync(string name)
        {
            using var response = await http.PostAsJsonAsync($"projects/{emulator.ProjectId}/branches", new { branch = new { name, parent_id = emulator.DefaultBranchId } }, ct);
            response.EnsureSuccessStatusCode();
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            return new Branch(json.RootElement.GetProperty("branch").GetProperty("id").GetString()!, name, emulator.DefaultBranchId, null);
        }

        var parent = await CreateUserBranchAsync("faults-parent");
        var dev = await CreateUserBranchAsync("dev");
        var main = new Branch(emulator.DefaultBranchId, "main", null, null);
        emulator.Requests.Reset();

        var options = new NeonTestingOptions
        {
            Provider = ProviderKind.Neon,
            ProjectId = emulator.ProjectId,
            ApiKey = emulator.ApiKey,
            ApiUrl = emulator.BaseAddress,
            ParentBranch = parent.Id,
        };
        var attempts = 0;
        var refused = 0;
        var accepted = new List<string>();
        await using (var provider = new NeonBranchProvider(options))
        {
            async Task Attempt(string what, Func<Task> action)
            {
                attempts++;
                try
                {
                    await action();
                    accepted.Add(what);
                }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException)
                {
                    refused++;
                }
            }

            foreach (var branch in new[] { main, parent, dev })
            {
                await Attempt($"delete {branch.Name}", () => provider.DeleteBranchAsync(branch, ct));
                await Attempt($"reset {branch.Name}", () => provider.ResetBranchAsync(branch, ct));
                await Attempt($"rename {branch.Name}", () => provider.RenameBranchAsync(branch, BranchNames.Prefix + "faults-renamed", ct));
                await Attempt($"keep and reset {branch.Name}", () => provider.PreserveAndResetBranchAsync(branch, BranchNames.Prefix + "faults-kept", ct));
                await Attempt($"read-write endpoint on {branch.Name}", () => provider.GetEndpointAsync(branch, readOnly: false, ct));
                await Attempt($"read-only endpoint on {branch.Name}", () => provider.GetEndpointAsync(branch, readOnly: true, ct));

                // Under another name the caller believes in: the check is on what Neon says the branch is.
                await Attempt($"delete {branch.Name} under our name", () => provider.DeleteBranchAsync(branch with { Name = BranchNames.Prefix + "faults-disguised" }, ct));
            }

            await Attempt("create a branch without our prefix", () => provider.CreateBranchAsync(new BranchRequest("faults-unprefixed", parent.Id, DateTimeOffset.UtcNow.AddMinutes(5)), ct));
            await Attempt("create from a user branch that is not the parent", () => provider.CreateBranchAsync(new BranchRequest(BranchNames.Prefix + "faults-child", dev.Id, DateTimeOffset.UtcNow.AddMinutes(5)), ct));
            await Attempt("create from the default branch when it is not the parent", () => provider.CreateBranchAsync(new BranchRequest(BranchNames.Prefix + "faults-child", main.Id, DateTimeOffset.UtcNow.AddMinutes(5)), ct));
            await provider.SweepExpiredAsync(ct);
        }

        var mutating = new[] { "deleteProjectBranch", "restoreProjectBranch", "updateProjectBranch", "createProjectBranch", "createProjectEndpoint", "updateProjectEndpoint", "deleteProjectEndpoint" }
            .Sum(operation => emulator.Requests[operation]);
        using var list = JsonDocument.Parse(await http.GetStringAsync($"projects/{emulator.ProjectId}/branches", ct));
        var names = list.RootElement.GetProperty("branches").EnumerateArray().Select(b => b.GetProperty("name").GetString()).ToHashSet();
        var missing = new[] { "main", "faults-parent", "dev" }.Where(n => !names.Contains(n)).ToList();

        var passed = accepted.Count == 0 && mutating == 0 && missing.Count == 0;
        FaultLog.Record("safety", "neon branches that are not ours", passed, new Dictionary<string, object?>
        {
            ["attempts"] = attempts,
            ["attemptsRefused"] = refused,
            ["mutatingApiCallsReachingTheEmulator"] = mutating,
            ["foreignBranchesMissingAfterwards"] = missing.Count,
        }, passed ? null : $"accepted: {string.Join(", ", accepted)}; mutating calls {mutating}; missing {string.Join(", ", missing)}");
        Assert.IsEmpty(accepted, "accepted: " + string.Join(", ", accepted));
        Assert.AreEqual(0, mutating, "mutating API calls: " + JsonSerializer.Serialize(emulator.Requests.Snapshot()));
        Assert.IsEmpty(missing);
    }
}
