namespace Neon.Testing.Branching.Neon;

/// <summary>Where a Neon operation stands.</summary>
internal enum OperationOutcome
{
    Running,
    Succeeded,
    Failed,
}
