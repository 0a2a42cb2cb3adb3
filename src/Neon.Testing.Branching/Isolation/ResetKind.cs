namespace Neon.Testing.Branching.Isolation;

/// <summary>What a reset had to do.</summary>
public enum ResetKind
{
    /// <summary>The test changed nothing.</summary>
    Clean,

    /// <summary>Touched tables were restored to the baseline.</summary>
    Restored,

    /// <summary>The whole branch was reset through the provider.</summary>
    Full,
}
