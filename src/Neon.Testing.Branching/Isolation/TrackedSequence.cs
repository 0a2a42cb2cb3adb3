namespace Neon.Testing.Branching.Isolation;

/// <summary>A sequence and the value it had at install time.</summary>
internal sealed record TrackedSequence(uint Oid, string Schema, string Name)
{
    public string DisplayName => $"{Schema}.{Name}";
}
