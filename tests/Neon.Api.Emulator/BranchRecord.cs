using System.Text.Json.Nodes;

namespace Neon.Api.Emulator;

/// <summary>A branch as the state store holds it; mutated only under <see cref="EmulatorState.Gate"/>.</summary>
internal sealed class BranchRecord
{
    public required string Id { get; init; }

    public required string Name { get; set; }

    public string? ParentId { get; set; }

    /// <summary>The local database behind the branch (never shown through the API).</summary>
    public required string Database { get; init; }

    /// <summary>Stable numeric id of the branch's <c>neondb</c> database, as Neon reports it.</summary>
    public required long DatabaseId { get; init; }

    public bool IsDefault { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; set; }

    public required DateTimeOffset StateChangedAt { get; set; }

    public string CurrentState { get; set; } = "init";

    public string? PendingState { get; set; } = "ready";

    public DateTimeOffset? ParentTimestamp { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public long? TtlIntervalSeconds { get; set; }

    public DateTimeOffset? LastResetAt { get; set; }

    public long? LogicalSize { get; set; }

    public JsonObject? AnnotationValue { get; set; }

    /// <summary>The last operation scheduled on the branch: Neon runs a branch's operations one after another.</summary>
    public Task Tail { get; set; } = Task.CompletedTask;
}
