using System.Globalization;
using System.Text.RegularExpressions;
using Neon.Testing.Faults.Tests.Support;

namespace Neon.Testing.Faults.Tests.ConcurrentProjects;

/// <summary>
/// Issue 13 item 4: <c>dotnet test</c> on a solution of 4 projects (3 sharing one migration folder, 1 with its own),
/// repeated on one cluster; and two "machines" (two data directories and temp folders, so no shared file lock)
/// running it at once against one external server. Migrations once per fingerprint, 0 name collisions, 0 cross-talk,
/// 0 leftovers, one summary per project.
/// </summary>
[TestClass]
public sealed partial class ConcurrentProjectsTests
{
    private const string Area = "concurrent-projects";
    private static ProcessRunSolution? _solution;

    /// <summary>How many times the solution runs: NEON_FAULTS_REPEAT, else 10.</summary>
    private static int Repeat => int.TryParse(Environment.GetEnvironmentVariable("NEON_FAULTS_REPEAT"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 10;

    [ClassInitialize]
    public static async Task BuildAsync(TestContext context) => _solution = await ProcessRunSolution.CreateAsync();

    [ClassCleanup]
    public static void Delete() => _solution?.Dispose();

    [TestMethod]
    public async Task SolutionRunRepeatedOnOneCluster_MigratesOncePerFingerprint_WithoutCollisionsCrossTalkOrLeftovers()
    {
        var cluster = ProcessRunCluster.Suite;
        await RunAsync("solution x4 repeated/one cluster", cluster, [ProcessRunSample.Environment()]);
    }

    [TestMethod]
    public async Task TwoDataDirectoriesOnOneExternalServer_MigrateOncePerFingerprint_WithoutCollisionsCrossTalkOrLeftovers()
    {
        await using var server = await ProcessRunServer.StartAsync();
        var machines = Enumerable.Range(1, 2).Select(_ =>
        {
            var folder = Directory.CreateTempSubdirectory("neon-faults-machine-").FullName;
            Directory.CreateDirectory(Path.Combine(folder, "tmp"));
            return new Dictionary<string, string?>
            {
                // Eight test processes start at once on a small machine: give the server time to answer.
                ["NEON_LOCAL_CONNECTION_STRING"] = new Npgsql.NpgsqlConnectionStringBuilder(server.Server.AdminConnectionString) { Timeout = 60 }.ConnectionString,
                ["NEON_LOCAL_DATA_DIR"] = Path.Combine(folder, "data"),
                ["TMPDIR"] = Path.Combine(folder, "tmp"),
            };
        }).ToList();
        try
        {
            await RunAsync("solution x4 on two machines/one external server", server.Cluster, machines);
        }
        finally
        {
            foreach (var machine in machines)
            {
                Directory.Delete(Path.GetDirectoryName(machine["TMPDIR"]!)!, recursive: true);
            }
        }
    }

    /// <summary>Runs the solution <see cref="Repeat"/> times; each round starts one <c>dotnet test</c> per machine at once.</summary>
    private static async Task RunAsync(string caseName, ProcessRunCluster cluster, IReadOnlyList<Dictionary<string, string?>> machines)
    {
        var solution = _solution ?? throw new InvalidOperationException("The solution was not built.");
        var rounds = machines.Count > 1 ? Math.Max(2, Repeat / 5) : Repeat;
        var templatesBefore = await cluster.TemplatesAsync();
        var litterBefore = await cluster.LitterAsync();
        var figures = new Dictionary<string, object?> { ["rounds"] = rounds, ["machines"] = machines.Count, ["projects"] = ProcessRunSolution.Projects };
        int migrationsRan = 0, collisions = 0, crossTalk = 0, failedRuns = 0, leftoversTotal = 0, summariesMissing = 0, passedTests = 0;
        var seconds = new List<double>();
        var passed = false;
        string? detail = null;
        try
        {
            for (var round = 1; round <= rounds; round++)
            {
                var results = machines.Select(_ => new ProcessRunResults()).ToList();
                var runs = machines.Select((m, i) => solution.StartTest(results[i].Directory, m)).ToList();
                try
                {
                    foreach (var run in runs)
                    {
                        Assert.IsTrue(await run.WaitForExitAsync(TimeSpan.FromMinutes(5)), $"dotnet test did not end:{Environment.NewLine}{run.Output}");
                        seconds.Add(Math.Round(run.Elapsed.TotalSeconds, 1));
                        var output = run.Output;
                        failedRuns += run.ExitCode == 0 ? 0 : 1;
                        collisions += Collision().Matches(output).Count;
                        crossTalk += Regex.Matches(output, "cross-talk:").Count;
                        passedTests += PassedTest().Matches(output).Count;
                        if (run.ExitCode != 0)
                        {
                            detail ??= output.Length > 4000 ? output[^4000..] : output;
                        }
                    }

                    foreach (var result in results)
                    {
                        var summaries = result.Summaries();
                        summariesMissing += ProcessRunSolution.Projects - summaries.Count;
                        migrationsRan += summaries.Values.Count(s => !s.GetProperty("migrationsReused").GetBoolean());
                    }

                    leftoversTotal += (await cluster.LitterAsync()).Except(litterBefore).Count();
                }
                finally
                {
                    foreach (var run in runs)
                    {
                        await run.DisposeAsync();
                    }

                    results.ForEach(r => r.Dispose());
                }
            }

            var newTemplates = (await cluster.TemplatesAsync()).Except(templatesBefore).ToList();
            figures["testsPassed"] = passedTests;
            figures["testsExpected"] = rounds * machines.Count * ProcessRunSolution.Projects * ProcessRunSolution.TestsPerProject;
            figures["failedRuns"] = failedRuns;
            figures["migrationsRan"] = migrationsRan;
            figures["fingerprints"] = 2;
            figures["templatesBuilt"] = newTemplates.Count(t => !t.Contains("-building-", StringComparison.Ordinal));
            figures["unfinishedTemplatesLeft"] = newTemplates.Count(t => t.Contains("-building-", StringComparison.Ordinal));
            figures["nameCollisions"] = collisions;
            figures["crossTalk"] = crossTalk;
            figures["leftovers"] = leftoversTotal;
            figures["summaryFilesMissing"] = summariesMissing;
            figures["secondsPerRun"] = seconds;

            Assert.AreEqual(0, failedRuns, detail);
            Assert.AreEqual(2, migrationsRan, "migrations must run once per fingerprint (2), however many projects and machines");
            Assert.AreEqual(0, collisions);
            Assert.AreEqual(0, crossTalk);
            Assert.AreEqual(0, leftoversTotal);
            Assert.AreEqual(0, summariesMissing, "one summary per project");
            Assert.AreEqual((int)figures["testsExpected"]!, passedTests);
            passed = true;
        }
        finally
        {
            FaultLog.Record(Area, caseName, passed, figures, passed ? null : detail);
            await cluster.DropAsync((await cluster.LitterAsync()).Except(litterBefore));
        }
    }

    // A duplicate database or role: two sessions picked the same name.
    [GeneratedRegex("42P04|42710|(database|role) \"neon-testing/[^\"]*\" already exists")]
    private static partial Regex Collision();

    // dotnet test prints "passed SeesOnlyItsOwnRows (1)", with "(try N) " before the name when it numbers attempts.
    [GeneratedRegex(@"^\s*passed (\(try \d+\) )?SeesOnlyItsOwnRows", RegexOptions.Multiline)]
    private static partial Regex PassedTest();
}
