using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;

namespace Neon.Testing.Faults.Tests.NeonCloud;

/// <summary>
/// Issue 13, item 6: a suite that runs longer than NeonBranchExpiry keeps its branches (their expires_at is moved
/// with updateProjectBranch before it lapses), while a branch nobody extends really expires in the emulator.
/// </summary>
[TestClass]
public sealed class LongSessionFaults
{
    private const string Area = "neon-long-session";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task SessionThreeTimesLongerThanBranchExpiry_KeepsItsBranches_WhileAnUnextendedBranchExpires()
    {
        var cancellationToken = TestContext.CancellationToken;
        var expiry = TimeSpan.FromSeconds(4);
        var length = expiry * 3;
        await using var world = await NeonFaultWorld.StartAsync(cancellationToken);
        var (session, provider) = await NeonFaultWorld.StartSessionAsync(world.Options(branchExpiry: expiry), cancellationToken);
        string leaseBranch;
        string? controlId;
        double? controlGoneAfter = null;
        var queries = 0;
        await using (session)
        {
            await using var lease = await session.AcquireIsolatedBranchAsync(cancellationToken);
            leaseBranch = lease.Branch.Id;

            // The control: the same expiry, made outside the product, so nobody extends it.
            var (status, created) = await world.CallAsync(HttpMethod.Post, $"projects/{world.Emulator.ProjectId}/branches", cancellationToken, new JsonObject
            {
                ["branch"] = new JsonObject
                {
                    ["name"] = "neon-testing/control-not-extended",
                    ["expires_at"] = (DateTimeOffset.UtcNow + expiry).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                },
            });
            Assert.AreEqual(201, status);
            controlId = (string)created!["branch"]!["id"]!;

            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < length)
            {
                await using (var connection = new NpgsqlConnection(lease.ConnectionString))
                {
                    await connection.OpenAsync(cancellationToken);
                    await using var insert = new NpgsqlCommand("INSERT INTO customers (name) VALUES ('long-running') RETURNING id", connection);
                    await insert.ExecuteScalarAsync(cancellationToken);
                    queries++;
                }

                var listed = await world.BranchesAsync(cancellationToken);
                Assert.IsTrue(listed.Any(b => b.Id == leaseBranch), $"the session's branch is still there after {clock.Elapsed.TotalSeconds:0.0} s (expiry {expiry.TotalSeconds} s)");
                if (controlGoneAfter is null && listed.All(b => b.Id != controlId))
                {
                    controlGoneAfter = clock.Elapsed.TotalSeconds;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }

            await lease.ResetAsync(cancellationToken);
        }

        var extensions = provider.ExpiryExtensions;
        var leftovers = await world.LeftoverNamesAsync(cancellationToken);
        var passed = controlGoneAfter is not null && extensions > 0 && leftovers.Count == 0;
        FaultLog.Record(Area, "longer-than-branch-expiry", passed, new Dictionary<string, object?>
        {
            ["branchExpirySeconds"] = expiry.TotalSeconds,
            ["sessionSeconds"] = length.TotalSeconds,
            ["expiryExtensions"] = extensions,
            ["queriesOnTheBranch"] = queries,
            ["unextendedBranchGoneAfterSeconds"] = controlGoneAfter is { } gone ? Math.Round(gone, 1) : null,
            ["leftoversAfterSession"] = leftovers.Count,
        });
        Assert.IsNotNull(controlGoneAfter, "the emulator really expires a branch nobody extends");
        Assert.IsGreaterThan(0L, extensions, "the session extended its branches' expiry");
        Assert.IsEmpty(leftovers, "the session deleted everything at its end");
    }
}
