using System.Text;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Session;
using Npgsql;

namespace Neon.Testing.Faults.Tests.HostileNames;

/// <summary>
/// Issue 13 item 7: hostile git branch names (they reach branch names through GITHUB_HEAD_REF and friends) and a schema
/// of hostile names and table shapes (<see cref="HostileSchema"/>): sessions start and end leaving nothing, every
/// workload is tracked and restored to exactly what the migration left, and a schema change gets a full reset.
/// </summary>
[TestClass]
public sealed class HostileNameTests
{
    private static readonly string[] GitBranches =
    [
        "feature/it's \"quoted\"",
        "fix; DROP DATABASE postgres; --",
        "spaces in  the   name",
        "ünïcödé/日本語-ветка-🚀",
        "$(rm -rf ~)`id`",
        "../../etc/passwd",
        "-leading-and-trailing-",
        "UPPER/Case/Branch",
        new string('a', 120) + "/" + new string('b', 79),
        "\u202Eevil-rtl\u0000nul",
    ];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void HostileGitBranches_GiveNamesOfOurs_Within63Bytes_OfSafeCharacters()
    {
        var bad = new List<string>();
        foreach (var git in GitBranches)
        {
            foreach (var variable in new[] { "GITHUB_HEAD_REF", "CI_COMMIT_REF_NAME", "BUILD_SOURCEBRANCHNAME" })
            {
                var detected = BranchNames.DetectGitBranch(Path.GetTempPath(), v => v == variable ? git : null);
                var pullRequest = BranchNames.DetectGitBranch(Path.GetTempPath(), v => v switch { "GITHUB_REF" => "refs/pull/7'; --/merge", "GITHUB_HEAD_REF" => git, _ => null });
                foreach (var name in new[] { BranchNames.ForSession(detected, BranchNames.NewSessionId(), "isolated-12"), BranchNames.ForSession(pullRequest, BranchNames.NewSessionId(), "migration") })
                {
                    if (!BranchNames.IsOurs(name) || Encoding.UTF8.GetByteCount(name) > 63 || name[BranchNames.Prefix.Length..].Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_')))
                    {
                        bad.Add($"{git} via {variable} -> {name}");
                    }
                }
            }
        }

        FaultLog.Record("hostile-names", "git branch names", bad.Count == 0, new Dictionary<string, object?>
        {
            ["gitBranchNames"] = GitBranches.Length,
            ["namesChecked"] = GitBranches.Length * 6,
            ["unsafeNames"] = bad.Count,
        }, bad.Count == 0 ? null : string.Join("\n", bad));
        Assert.IsEmpty(bad, string.Join(Environment.NewLine, bad));
    }

    [TestMethod]
    public async Task HostileSchema_OnHostileGitBranches_IsTrackedAndRestored_AndLeavesNothing()
    {
        var ct = TestContext.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("neon-faults-hostile-").FullName;
        var previous = Environment.GetEnvironmentVariable("GITHUB_HEAD_REF");
        var previousRef = Environment.GetEnvironmentVariable("GITHUB_REF");
        var failures = new List<string>();
        var resets = new Dictionary<string, int>();
        var sessions = 0;
        try
        {
            File.WriteAllText(Path.Combine(folder, "001_hostile.sql"), HostileSchema.Sql);
            Environment.SetEnvironmentVariable("GITHUB_REF", null);
            var options = new NeonTestingOptions
            {
                Provider = ProviderKind.Local,
                LocalDataDirectory = TestPostgres.RootDirectory,
                Migrations = folder,
                WorkingDirectory = folder,
                KeepFailedBranches = 0,
                BranchExpiry = TimeSpan.FromMinutes(5),
                MigrationCacheExpiry = TimeSpan.Zero,
            };

            // Every git branch name starts a session that migrates the hostile schema, restores one workload and ends.
            for (var i = 0; i < GitBranches.Length; i++)
            {
                var git = GitBranches[i].Replace("\u0000", "", StringComparison.Ordinal); // a variable cannot hold NUL
                Environment.SetEnvironmentVariable("GITHUB_HEAD_REF", git);
                var before = await OurDatabasesAsync(ct);
                await using (var session = await TestDatabaseSession.StartAsync(options, cancellationToken: ct))
                {
                    sessions++;
                    string baseline;
                    await using (var lease = await session.AcquireIsolatedBranchAsync(ct))
                    {
                        baseline = await ContentFingerprint.OfAsync(lease.ConnectionString, ct);
                        var workloads = i == 0 ? HostileSchema.Workloads : [HostileSchema.Workloads[i % HostileSchema.Workloads.Count]];
                        foreach (var (name, sql) in workloads)
                        {
                            await Execute(lease.ConnectionString, sql, ct);
                            var changed = await ContentFingerprint.OfAsync(lease.ConnectionString, ct);
                            var result = await lease.ResetAsync(ct);
                            resets[result.Kind.ToString()] = resets.GetValueOrDefault(result.Kind.ToString()) + 1;
                            var after = await ContentFingerprint.OfAsync(lease.ConnectionString, ct);
                            if (changed == baseline)
                            {
                                failures.Add($"{name}: the workload changed nothing visible (the case proves nothing)");
                            }

                            if (after != baseline)
                            {
                                failures.Add($"{name} on git branch '{git}': not restored ({result.Kind}: {result.Reason}){Environment.NewLine}{Diff(baseline, after)}");
                            }
                        }
                    }
                }

                var left = (await OurDatabasesAsync(ct)).Except(before).ToList();
                if (left.Count > 0)
                {
                    failures.Add($"git branch '{git}': left {string.Join(", ", left)}");
                }
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("GITHUB_HEAD_REF", previous);
            Environment.SetEnvironmentVariable("GITHUB_REF", previousRef);
            Directory.Delete(folder, recursive: true);
        }

        FaultLog.Record("hostile-names", "hostile schema on hostile git branches", failures.Count == 0, new Dictionary<string, object?>
        {
            ["sessions"] = sessions,
            ["workloads"] = HostileSchema.Workloads.Count,
            ["resetsByKind"] = resets,
            ["notRestoredOrLeftover"] = failures.Count,
        }, failures.Count == 0 ? null : string.Join("\n", failures));
        Assert.IsEmpty(failures, string.Join(Environment.NewLine, failures));
    }

    private static string Diff(string expected, string actual) =>
        string.Join(Environment.NewLine, actual.Split('\n').Except(expected.Split('\n')).Select(l => "  now: " + l)
            .Concat(expected.Split('\n').Except(actual.Split('\n')).Select(l => "  was: " + l)));

    private static async Task Execute(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<HashSet<string>> OurDatabasesAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(TestPostgres.Server.AdminConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT datname FROM pg_database WHERE starts_with(datname, $1) AND datname NOT LIKE '%template-%'", connection);
        command.Parameters.AddWithValue(BranchNames.Prefix);
        var names = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
