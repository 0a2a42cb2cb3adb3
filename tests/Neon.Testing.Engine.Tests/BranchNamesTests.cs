namespace Neon.Testing.Engine.Tests;

[TestClass]
public sealed class BranchNamesTests
{
    [TestMethod]
    [DataRow("main", "main")]
    [DataRow("Feature/Login_Page", "feature-login_p")]
    [DataRow("dependabot/nuget/Npgsql-10.0.0", "dependabot-nuge")]
    [DataRow("///", "local")]
    [DataRow("", "local")]
    [DataRow("émoji✨branch", "moji-branch")]
    public void Sanitize_KeepsLowercaseLettersDigitsUnderscoreAndDash_CutTo15(string input, string expected)
    {
        var sanitized = BranchNames.Sanitize(input);

        Assert.AreEqual(expected, sanitized);
        Assert.IsLessThanOrEqualTo(15, sanitized.Length);
    }

    [TestMethod]
    public void SessionNames_CarryPrefixGitBranchSessionAndRole()
    {
        var name = BranchNames.ForSession("Feature/X", "0a1b2c3d", "isolated-2");

        Assert.AreEqual("neon-testing/feature-x-0a1b2c3d-isolated-2", name);
        Assert.IsTrue(BranchNames.IsOurs(name));
        Assert.IsFalse(BranchNames.IsOurs("main"));
    }

    [TestMethod]
    public void DetectGitBranch_PrefersCiVariables_ThenReadsHead()
    {
        var repo = Directory.CreateTempSubdirectory().FullName;
        Directory.CreateDirectory(Path.Combine(repo, ".git"));
        File.WriteAllText(Path.Combine(repo, ".git", "HEAD"), "ref: refs/heads/topic/abc\n");
        var nested = Directory.CreateDirectory(Path.Combine(repo, "tests", "x")).FullName;

        Assert.AreEqual("topic/abc", BranchNames.DetectGitBranch(nested, _ => null));
        Assert.AreEqual("pr-branch", BranchNames.DetectGitBranch(nested, v => v == "GITHUB_HEAD_REF" ? "pr-branch" : null));
        Directory.Delete(repo, recursive: true);
    }

    [TestMethod]
    [DataRow("GITHUB_REF=refs/pull/42/merge;GITHUB_HEAD_REF=fix/login;GITHUB_REF_NAME=42/merge", "pr-42-fix/login", "pr-42-fix-login")]
    [DataRow("GITHUB_REF=refs/heads/main;GITHUB_REF_NAME=main", "main", "main")]
    [DataRow("CI_MERGE_REQUEST_IID=7;CI_MERGE_REQUEST_SOURCE_BRANCH_NAME=feat;CI_COMMIT_REF_NAME=feat", "mr-7-feat", "mr-7-feat")]
    [DataRow("SYSTEM_PULLREQUEST_PULLREQUESTNUMBER=9;SYSTEM_PULLREQUEST_SOURCEBRANCH=refs/heads/topic;BUILD_SOURCEBRANCHNAME=merge", "pr-9-topic", "pr-9-topic")]
    public void DetectGitBranch_NamesPullRequestsAfterThePullRequest(string variables, string expected, string sanitized)
    {
        var values = variables.Split(';').Select(v => v.Split('=', 2)).ToDictionary(v => v[0], v => v[1]);

        var branch = BranchNames.DetectGitBranch(Path.GetTempPath(), v => values.GetValueOrDefault(v));

        Assert.AreEqual(expected, branch);
        Assert.AreEqual(sanitized, BranchNames.Sanitize(branch));
    }

    [TestMethod]
    public void Spares_AreNamedAfterTheirTemplate_WithinPostgresLimit_AndNotTakenForAnotherTemplatesOrAGeneration()
    {
        // The longest template name: a rebuilt generation (<template>-<unix seconds>).
        var template = BranchNames.ForTemplate(new string('a', 64)) + "-1764000000";
        var spare = BranchNames.ForSpare(template);

        Assert.IsLessThanOrEqualTo(63, System.Text.Encoding.UTF8.GetByteCount(spare), spare);
        Assert.IsTrue(BranchNames.IsSpareOf(spare, template));
        Assert.IsTrue(BranchNames.IsSpare(spare));
        Assert.AreNotEqual(spare, BranchNames.ForSpare(template));
        Assert.IsFalse(BranchNames.IsSpareOf(spare, BranchNames.ForTemplate(new string('a', 64))), "a spare of the generation, not of the base template");
        Assert.IsFalse(BranchNames.IsSpare(template));
        Assert.IsFalse(BranchNames.IsSpare(BranchNames.ForSession("main", "0123abcd", "isolated-1")));
    }
}
