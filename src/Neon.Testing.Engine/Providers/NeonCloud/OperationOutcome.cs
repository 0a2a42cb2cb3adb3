namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>Where a Neon operation stands.</summary>
internal enum OperationOutcome
{
    Running,
    Succeeded,
    Failed,
}
