namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>
/// The rules that keep the provider away from branches that are not ours: it creates only
/// prefixed names, only from the session's parent or one of ours, and resets or deletes only
/// prefixed branches that are neither the project's default branch nor the session's parent.
/// </summary>
internal static class NeonBranchSafety
{
    /// <summary>Our name prefix.</summary>
    public const string Prefix = BranchNames.Prefix;

    public static bool IsOurs(string? name) => name is not null && name.StartsWith(Prefix, StringComparison.Ordinal) && name.Length > Prefix.Length;

    /// <summary>Throws unless a branch named <paramref name="name"/> may be created.</summary>
    public static void EnsureMayCreate(string name)
    {
        if (!IsOurs(name))
        {
            throw new InvalidOperationException(
                $"Refusing to create Neon branch '{name}': its name does not start with '{Prefix}'. " +
                "Every branch Neon.Testing creates carries that prefix, so the sweeper and clean-up can tell ours from yours.");
        }
    }

    /// <summary>Throws unless a branch may be created from <paramref name="parent"/>: the session's parent, or one of ours.</summary>
    public static void EnsureMayCreateFrom(string childName, BranchFacts parent, string? rootId)
    {
        if (parent.Id == rootId || (IsOurs(parent.Name) && !parent.IsDefault))
        {
            return;
        }

        throw new InvalidOperationException(
            $"Refusing to create Neon branch '{childName}' from '{parent.Name}' ({parent.Id}): " +
            $"a test branch starts from the session's parent branch{(rootId is null ? "" : $" ({rootId})")} or from one of ours ('{Prefix}...'), and '{parent.Name}' is neither.");
    }

    /// <summary>Throws unless <paramref name="branch"/> may be reset, deleted or given an endpoint (<paramref name="action"/>).</summary>
    public static void EnsureMayModify(string action, BranchFacts branch, string? rootId, string? expectedName = null)
    {
        string? why = null;
        if (branch.IsDefault)
        {
            why = "it is the project's default branch, which Neon.Testing never writes";
        }
        else if (branch.Id == rootId)
        {
            why = "it is the session's parent branch (NeonParentBranch), which Neon.Testing only branches from";
        }
        else if (!IsOurs(branch.Name))
        {
            why = $"its name does not start with '{Prefix}', so Neon.Testing did not create it";
        }
        else if (expectedName is not null && expectedName != branch.Name)
        {
            why = $"Neon names it '{branch.Name}', not '{expectedName}' as the caller believed";
        }

        if (why is not null)
        {
            throw new InvalidOperationException($"Refusing to {action} Neon branch '{branch.Name}' ({branch.Id}): {why}.");
        }
    }

    /// <summary>The expiry to send: whole seconds in UTC (Neon's precision), and in the future.</summary>
    public static DateTimeOffset? Expiry(DateTimeOffset? requested, DateTimeOffset now)
    {
        if (requested is not { } value)
        {
            return null;
        }

        var utc = value.ToUniversalTime();
        var whole = new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        if (whole <= now)
        {
            throw new ArgumentOutOfRangeException(nameof(requested), requested, "A branch expiry must lie in the future (NeonBranchExpiry above zero).");
        }

        return whole;
    }
}
