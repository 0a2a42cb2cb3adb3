namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>What Neon says about a branch: enough to decide whether we may touch it.</summary>
internal sealed record BranchFacts(string Id, string Name, string? ParentId, bool IsDefault, DateTimeOffset? ExpiresAt, DateTimeOffset? CreatedAt)
{
    public static BranchFacts From(Neon.Api.Branch branch)
    {
        ArgumentNullException.ThrowIfNull(branch);
#pragma warning disable CS0612 // 'primary' is deprecated for 'default', but older projects may still only set it; treat either as default.
        var isDefault = branch.Default == true || branch.Primary == true;
#pragma warning restore CS0612
        return new(branch.Id, branch.Name, branch.ParentId, isDefault, branch.ExpiresAt, branch.CreatedAt);
    }

    public Branch ToBranch() => new(Id, Name, ParentId, ExpiresAt, CreatedAt);

    /// <summary>Name and id, for messages.</summary>
    public string Describe() => $"'{Name}' ({Id})";
}
