namespace Neon.Testing.Platform.Tests;

/// <summary>A run with the variables a GitHub Actions runner sets on a pull request: branch names, the job summary, no secrets.</summary>
[TestClass]
public sealed class CiEnvironmentTests
{
    [TestMethod]
    public async Task PullRequestRun_NamesBranchesAfterThePullRequest_AndWritesTheJobSummary()
    {
        var jobSummary = Path.Combine(Directory.CreateTempSubdirectory("neon-ci-").FullName, "step-summary.md");
        File.WriteAllText(jobSummary, "## Earlier step\n");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var environment = new Dictionary<string, string?>
        {
            ["CI"] = "true",
            ["GITHUB_ACTIONS"] = "true",
            ["GITHUB_EVENT_NAME"] = "pull_request",
            ["GITHUB_REF"] = "refs/pull/42/merge",
            ["GITHUB_REF_NAME"] = "42/merge",
            ["GITHUB_HEAD_REF"] = "fix/login",
            ["GITHUB_STEP_SUMMARY"] = jobSummary,
        };

        var run = await Samples.RunAsync(Samples.MSTest, ["--filter", "FullyQualifiedName~IsolatedTests.Insert"], environment, async (process, _) =>
        {
            // Watch the session's branches while it runs: they are deleted at its end.
            while (!process.HasExited)
            {
                foreach (var name in await TestServer.SessionDatabasesAsync())
                {
                    seen.Add(name);
                }

                await Task.Delay(50);
            }
        });

        Assert.AreEqual(0, run.ExitCode, run.Output);
        // Other tests of this assembly may run sessions on the same cluster at the same time: look for ours.
        Assert.IsTrue(seen.Any(name => name.StartsWith("neon-testing/pr-42-fix-login-", StringComparison.Ordinal)), $"no branch named after the pull request among: {string.Join(", ", seen)}");

        var markdown = File.ReadAllText(jobSummary);
        StringAssert.StartsWith(markdown, "## Earlier step\n", "the job summary is appended to, never replaced");
        StringAssert.Contains(markdown, "### Neon.Testing: Neon.Samples.MSTest");
        StringAssert.Contains(markdown, "| provider | Local |");
        StringAssert.Contains(markdown, $"| branches | created {run.RequiredSummary.GetProperty("branchesCreated").GetInt32()}, deleted {run.RequiredSummary.GetProperty("branchesDeleted").GetInt32()}");
        var password = new Npgsql.NpgsqlConnectionStringBuilder(TestServer.Server.AdminConnectionString).Password!;
        Assert.DoesNotContain(password, markdown, "the job summary holds the server's password");
        Assert.DoesNotContain("Password=", markdown);
    }
}
