namespace Neon.Testing.Engine.Isolation;

/// <summary>What <see cref="ChangeTracker.ResetAsync"/> had to do to bring the database back to its baseline.</summary>
public enum ResetKind
{
    /// <summary>The test changed nothing: one check, no writes.</summary>
    Clean,

    /// <summary>Only the tables and sequences the test touched were restored, in one transaction.</summary>
    Restored,

    /// <summary>The whole branch was reset through the caller's full-reset callback (schema change, untracked objects, or a failed restore).</summary>
    Full,
}
