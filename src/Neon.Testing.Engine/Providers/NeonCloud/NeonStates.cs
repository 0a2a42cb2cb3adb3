namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>The Neon states and statuses the provider acts on (the client keeps them as text so new ones cannot break it).</summary>
internal static class NeonStates
{
    public const string ReadWrite = "read_write";
    public const string ReadOnly = "read_only";
    public const string EndpointActive = "active";
    public const string EndpointInit = "init";

    /// <summary>Whether an operation has ended well, ended badly, or is still going (unknown statuses count as going).</summary>
    public static OperationOutcome Outcome(string? status) => status switch
    {
        "finished" or "skipped" => OperationOutcome.Succeeded,
        "failed" or "error" or "cancelled" => OperationOutcome.Failed,
        _ => OperationOutcome.Running,
    };
}
