namespace Neon.Testing.Engine.Isolation;

/// <summary>What <see cref="TrackingInstaller.InstallAsync"/> tracks. The defaults track every user table and sequence.</summary>
internal sealed class TrackingScope
{
    /// <summary>Schemas to track; empty tracks every schema except the system ones.</summary>
    public IReadOnlyList<string> Schemas { get; init; } = [];

    /// <summary>Tables (<c>schema.table</c>) the tests may change without being reset, e.g. an audit log nobody asserts on.</summary>
    public IReadOnlyList<string> ExcludedTables { get; init; } = [];
}
