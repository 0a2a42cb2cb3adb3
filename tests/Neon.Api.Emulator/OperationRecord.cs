namespace Neon.Api.Emulator;

/// <summary>A control-plane operation; its status moves scheduling -> running -> finished (or failed) with time.</summary>
internal sealed class OperationRecord
{
    public required Guid Id { get; init; }

    public required string BranchId { get; init; }

    public string? EndpointId { get; init; }

    public required string Action { get; init; }

    public string Status { get; set; } = "scheduling";

    public string? Error { get; set; }

    public int FailuresCount { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; set; }

    public int TotalDurationMs { get; set; }

    /// <summary>Completes when the operation reaches a final status (or the emulator stops).</summary>
    public Task Completion { get; set; } = Task.CompletedTask;

    public bool IsFinal => Status is "finished" or "failed" or "error" or "cancelled" or "skipped";
}
