using System.Security.Cryptography;
using System.Text;

namespace Neon.Testing.Engine;

/// <summary>
/// Branch names: <c>neon-testing/&lt;git branch&gt;-&lt;session&gt;-&lt;role&gt;</c>, so orphans are easy to
/// recognise, and a provider can refuse anything without the prefix.
/// </summary>
public static class BranchNames
{
    /// <summary>Every branch, database and role we create starts with this.</summary>
    public const string Prefix = "neon-testing/";

    /// <summary>Longest git-branch part kept in a name.</summary>
    public const int MaxGitBranchLength = 15;

    /// <summary>Whether <paramref name="name"/> carries our prefix.</summary>
    public static bool IsOurs(string? name) => name is not null && name.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>A fresh random session id (8 lowercase hex characters).</summary>
    public static string NewSessionId() => Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();

    /// <summary>Name of a session branch: prefix, sanitised git branch, session id and role (<c>migration</c>, <c>shared</c>, <c>isolated-1</c>).</summary>
    public static string ForSession(string gitBranch, string sessionId, string role) =>
        $"{Prefix}{Sanitize(gitBranch)}-{sessionId}-{role}";

    /// <summary>Name of the cached migrated template for a migration fingerprint.</summary>
    public static string ForTemplate(string fingerprint) => $"{Prefix}template-{fingerprint[..16]}";

    /// <summary>
    /// Name a template is built under until its migrations are complete: a run killed mid-migration
    /// leaves this name behind, which no session ever reuses.
    /// </summary>
    public static string ForTemplateBuild(string fingerprint, string sessionId) => $"{ForTemplate(fingerprint)}-building-{sessionId}";

    /// <summary>Whether the name is that of a template still being built (see <see cref="ForTemplateBuild"/>).</summary>
    public static bool IsTemplateBuild(string name) =>
        name.StartsWith(Prefix + "template-", StringComparison.Ordinal) && name.Contains("-building-", StringComparison.Ordinal);

    /// <summary>
    /// A new name for a spare of <paramref name="templateName"/>: a clean clone of the template a session left for the next
    /// one on the local engine (<c>&lt;template&gt;.spare-&lt;6 hex&gt;</c>; session names never contain '.').
    /// </summary>
    internal static string ForSpare(string templateName) =>
        $"{templateName}.spare-{Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()}";

    /// <summary>Whether <paramref name="name"/> is a spare of <paramref name="templateName"/> (see <see cref="ForSpare"/>).</summary>
    internal static bool IsSpareOf(string name, string templateName) =>
        name.Length == templateName.Length + ".spare-".Length + 6 && name.StartsWith(templateName + ".spare-", StringComparison.Ordinal);

    /// <summary>Whether <paramref name="name"/> is a spare of any template.</summary>
    internal static bool IsSpare(string name) =>
        name.StartsWith(Prefix + "template-", StringComparison.Ordinal) && name.Contains(".spare-", StringComparison.Ordinal);

    /// <summary>Lowercases and keeps <c>[a-z0-9_-]</c>, replacing anything else by <c>-</c>, cut to 15 characters.</summary>
    public static string Sanitize(string? gitBranch)
    {
        var builder = new StringBuilder();
        foreach (var c in (gitBranch ?? "").ToLowerInvariant())
        {
            var keep = c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-';
            if (keep || (builder.Length > 0 && builder[^1] != '-'))
            {
                builder.Append(keep ? c : '-');
            }
        }

        var text = builder.ToString();
        if (text.Length > MaxGitBranchLength)
        {
            text = text[..MaxGitBranchLength];
        }

        text = text.Trim('-');
        return text.Length == 0 ? "local" : text;
    }

    /// <summary>
    /// The current git branch: a pull or merge request as <c>pr-&lt;number&gt;-&lt;source branch&gt;</c>
    /// (<c>mr-</c> on GitLab), else CI variables (GitHub, GitLab, Azure DevOps), then <c>.git/HEAD</c>
    /// found by walking up from <paramref name="directory"/>; <c>local</c> when there is none.
    /// </summary>
    public static string DetectGitBranch(string directory, Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        if (PullRequest(getVariable) is { } pullRequest)
        {
            return pullRequest;
        }

        foreach (var variable in new[] { "GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME", "BUILD_SOURCEBRANCHNAME" })
        {
            var value = getVariable(variable);
            if (!string.IsNullOrWhiteSpace(value))
            {
                return value;
            }
        }

        for (var current = new DirectoryInfo(directory); current is not null; current = current.Parent)
        {
            var git = Path.Combine(current.FullName, ".git");
            var head = Directory.Exists(git) ? Path.Combine(git, "HEAD") : File.Exists(git) ? ResolveWorktreeHead(git) : null;
            if (head is not null && File.Exists(head))
            {
                var text = File.ReadAllText(head).Trim();
                const string RefPrefix = "ref: refs/heads/";
                return text.StartsWith(RefPrefix, StringComparison.Ordinal) ? text[RefPrefix.Length..] : "detached";
            }
        }

        return "local";
    }

    /// <summary>
    /// A pull request's name, so its branches say which PR made them (CI checks a PR out detached:
    /// <c>GITHUB_REF_NAME</c> is <c>123/merge</c>, which names neither the PR nor its branch).
    /// </summary>
    private static string? PullRequest(Func<string, string?> getVariable)
    {
        static string? Value(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

        // GitHub: refs/pull/<number>/merge on pull_request events.
        if (Value(getVariable("GITHUB_REF")) is { } gitHubRef && gitHubRef.StartsWith("refs/pull/", StringComparison.Ordinal))
        {
            var number = gitHubRef["refs/pull/".Length..].Split('/')[0];
            return $"pr-{number}-{Value(getVariable("GITHUB_HEAD_REF")) ?? "head"}";
        }

        if (Value(getVariable("CI_MERGE_REQUEST_IID")) is { } mergeRequest)
        {
            return $"mr-{mergeRequest}-{Value(getVariable("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")) ?? "head"}";
        }

        if (Value(getVariable("SYSTEM_PULLREQUEST_PULLREQUESTNUMBER")) is { } azurePullRequest)
        {
            var source = Value(getVariable("SYSTEM_PULLREQUEST_SOURCEBRANCH")) ?? "head";
            const string Heads = "refs/heads/";
            return $"pr-{azurePullRequest}-{(source.StartsWith(Heads, StringComparison.Ordinal) ? source[Heads.Length..] : source)}";
        }

        return null;
    }

    private static string? ResolveWorktreeHead(string gitFile)
    {
        // A worktree's .git is a file: "gitdir: /path/to/repo/.git/worktrees/name".
        var line = File.ReadLines(gitFile).FirstOrDefault() ?? "";
        return line.StartsWith("gitdir:", StringComparison.Ordinal) ? Path.Combine(line["gitdir:".Length..].Trim(), "HEAD") : null;
    }
}
