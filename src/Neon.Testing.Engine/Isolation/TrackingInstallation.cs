namespace Neon.Testing.Engine.Isolation;

/// <summary>What <see cref="TrackingInstaller.InstallAsync"/> could install.</summary>
/// <param name="IsInstalled">Whether tracking objects exist in the database; when false every reset is a full reset.</param>
/// <param name="RestoreMode">How the installing role can restore tables.</param>
/// <param name="SchemaChangeDetection">How schema changes are noticed.</param>
/// <param name="TrackedTables">Number of tables carrying a tracking trigger.</param>
/// <param name="SeededTables">Tables that held rows at install time and have a baseline copy.</param>
/// <param name="Sequences">Sequences whose values are part of the baseline.</param>
/// <param name="UntrackedTables">Tables or sequences the role could not track, each with the reason; while any exist every reset is a full reset.</param>
/// <param name="Reason">Why tracking could not be installed, or null.</param>
internal sealed record TrackingInstallation(
    bool IsInstalled,
    RestoreMode RestoreMode,
    SchemaChangeDetection SchemaChangeDetection,
    int TrackedTables,
    int SeededTables,
    int Sequences,
    IReadOnlyList<string> UntrackedTables,
    string? Reason)
{
    /// <summary>True when an existing, up-to-date installation was kept rather than rebuilt.</summary>
    public bool Reused { get; init; }

    /// <summary>True when resets can be targeted (installed, and nothing untracked).</summary>
    public bool SupportsTargetedReset => IsInstalled && RestoreMode != RestoreMode.Unavailable && UntrackedTables.Count == 0;
}
