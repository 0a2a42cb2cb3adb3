using Neon.Testing.Engine;
using Neon.Testing.Engine.Session;
using Neon.Testing.Engine.Providers.Local;

namespace Neon.Testing.Faults.Tests.Safety;

/// <summary>
/// Issue 13 item 10 on the local engine: databases that are not ours — a foreign database named like ours without the
/// marker, one with a forged marker, one with a valid-looking marker but not our name, the session's parent, the
/// server's own databases — are never written, reset, renamed or deleted, not through the provider's calls, not by the
/// sweeper, and not by a whole session that branches from the parent, writes, fails a reset and ends.
/// </summary>
[TestClass]
public sealed class LocalSafetyTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task DatabasesThatAreNotOurs_AreNeverWrittenResetOrDeleted()
    {
        var ct = TestContext.CancellationToken;
        var tag = Guid.NewGuid().ToString("N")[..8];
        var unmarked = $"{BranchNames.Prefix}faults-foreign-{tag}";
        var forged = $"{BranchNames.Prefix}faults-forged-{tag}";
        var markedNotOurs = $"faults_marked_copy_{tag}";
        var parent = $"faults_parent_{tag}";
        const string ExpiredMarker = "neon-testing {\"kind\":\"branch\",\"session\":\"1\",\"parent\":\"postgres\",\"created\":\"2020-01-01T00:00:00Z\",\"expires\":\"2020-01-01T00:00:00Z\"}";
        var targets = new[] { unmarked, forged, markedNotOurs, parent };
        var created = new List<string>();
        var attempts = 0;
        var refused = 0;
        var accepted = new List<string>();
        try
        {
            await ForeignDatabases.CreateAsync(unmarked, null, ct);
            created.Add(unmarked);
            await ForeignDatabases.CreateAsync(forged, "neon-testing {not our json", ct);
            created.Add(forged);
            await ForeignDatabases.CreateAsync(markedNotOurs, ExpiredMarker, ct);
            created.Add(markedNotOurs);
            await ForeignDatabases.CreateAsync(parent, "the user's own database", ct);
            created.Add(parent);
            var before = new Dictionary<string, string>();
            foreach (var target in targets)
            {
                before[target] = await ForeignDatabases.FingerprintAsync(target, ct);
            }

            var options = new NeonTestingOptions { Provider = ProviderKind.Local, LocalDataDirectory = TestPostgres.RootDirectory, ParentBranch = parent };
            await using (var provider = await LocalBranchProvider.CreateAsync(options, cancellationToken: ct))
            {
                async Task Attempt(string what, Func<Task> action)
                {
                    attempts++;
                    try
                    {
                        await action();
                        accepted.Add(what);
                    }
                    catch (Exception e) when (e is InvalidOperationException or ArgumentException or Npgsql.PostgresException)
                    {
                        refused++;
                    }
                }

                foreach (var target in targets.Concat(["postgres", "template1"]))
                {
                    var branch = new Branch(target, target, null, null);
                    await Attempt($"delete {target}", () => provider.DeleteBranchAsync(branch, ct));
                    await Attempt($"reset {target}", () => provider.ResetBranchAsync(branch, ct));
                    await Attempt($"rename {target}", () => provider.RenameBranchAsync(branch, $"{BranchNames.Prefix}faults-renamed-{tag}", ct));
                    await Attempt($"keep and reset {target}", () => provider.PreserveAndResetBranchAsync(branch, $"{BranchNames.Prefix}faults-kept-{tag}", ct));
                    await Attempt($"read-only endpoint on {target}", () => provider.GetEndpointAsync(branch, readOnly: true, ct));
                }

                // A branch created under a foreign database's name must fail, not replace it.
                await Attempt($"create over {unmarked}", () => provider.CreateBranchAsync(new BranchRequest(unmarked, parent, DateTimeOffset.UtcNow.AddMinutes(5)), ct));
                await Attempt($"create non-prefixed from {parent}", () => provider.CreateBranchAsync(new BranchRequest($"faults_branch_{tag}", parent, DateTimeOffset.UtcNow.AddMinutes(5)), ct));

                await provider.SweepExpiredAsync(ct);
                Assert.IsNull(await provider.FindBranchAsync(unmarked, ct), "an unmarked database was taken for ours");
                Assert.IsFalse((await provider.ListOurBranchesAsync(ct)).Any(b => targets.Contains(b.Name)), "a foreign database was listed as ours");
            }

            // A whole session from the parent: tests write, a schema change forces a full reset, the session ends.
            await using (var session = await TestDatabaseSession.StartAsync(options with { BranchExpiry = TimeSpan.FromMinutes(5) }, cancellationToken: ct))
            {
                for (var test = 0; test < 3; test++)
                {
                    await using var lease = await session.AcquireIsolatedBranchAsync(ct);
                    await ForeignDatabases.ExecuteAsync(lease.ConnectionString, test == 2 ? "CREATE TABLE added (id int)" : "DELETE FROM precious WHERE id < 10; UPDATE precious SET note = 'changed'", ct);
                    await lease.ResetAsync(ct);
                }
            }

            var damaged = new List<string>();
            foreach (var target in targets)
            {
                var after = await ForeignDatabases.FingerprintAsync(target, ct);
                if (after != before[target])
                {
                    damaged.Add($"{target}: {before[target]} -> {after}");
                }
            }

            var passed = accepted.Count == 0 && damaged.Count == 0;
            FaultLog.Record("safety", "local databases that are not ours", passed, new Dictionary<string, object?>
            {
                ["attempts"] = attempts,
                ["attemptsRefused"] = refused,
                ["foreignDatabases"] = targets.Length + 2,
                ["foreignDatabasesChanged"] = damaged.Count,
                ["sessionsRunFromTheParent"] = 1,
            }, passed ? null : string.Join("\n", accepted.Select(a => "accepted: " + a).Concat(damaged)));
            Assert.IsEmpty(accepted, "accepted: " + string.Join(", ", accepted));
            Assert.IsEmpty(damaged, string.Join(Environment.NewLine, damaged));
        }
        finally
        {
            foreach (var name in created)
            {
                await ForeignDatabases.DropAsync(name);
            }
        }
    }
}
