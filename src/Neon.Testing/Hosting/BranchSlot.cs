using Neon.Testing.Engine;

namespace Neon.Testing.Hosting;

/// <summary>An isolated branch lease and who holds it: one running test, or a test class (PerClass) until another needs it.</summary>
internal sealed class BranchSlot(IsolatedBranchLease lease, bool primary)
{
    public IsolatedBranchLease Lease { get; } = lease;

    /// <summary>The branch the environment variable points at.</summary>
    public bool Primary { get; } = primary;

    /// <summary>Tests running on the branch right now.</summary>
    public int Running { get; set; }

    /// <summary>Class a PerClass binding keeps the branch for, or <see langword="null"/>.</summary>
    public string? BoundClass { get; set; }

    /// <summary>A PerClass class left changes that are restored when the binding ends.</summary>
    public bool Dirty { get; set; }

    public bool IsFree => Running == 0 && BoundClass is null;
}
