namespace Neon.Testing.Engine.Isolation;

/// <summary>A tracked sequence (its baseline value lives in our schema).</summary>
/// <param name="Oid">The sequence's oid.</param>
/// <param name="Schema">Its schema.</param>
/// <param name="Name">Its name.</param>
/// <param name="Owned">Owned by a column (identity, serial), so it only moves when a write statement runs on that table.</param>
internal sealed record TrackedSequence(uint Oid, string Schema, string Name, bool Owned)
{
    public string DisplayName => $"{Schema}.{Name}";
}
