namespace Neon.Api.Emulator;

/// <summary>A compute endpoint as the state store holds it; mutated only under <see cref="EmulatorState.Gate"/>.</summary>
internal sealed class EndpointRecord
{
    public const string ReadWrite = "read_write";
    public const string ReadOnly = "read_only";

    public required string Id { get; init; }

    public required string BranchId { get; init; }

    /// <summary><see cref="ReadWrite"/> or <see cref="ReadOnly"/>.</summary>
    public required string Type { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; set; }

    public string CurrentState { get; set; } = "init";

    public string? PendingState { get; set; } = "active";

    /// <summary>Neon reports 2000-01-01 until a client has connected.</summary>
    public DateTimeOffset LastActive { get; set; } = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The loopback listener that plays the compute: PostgreSQL clients connect here.</summary>
    public EndpointProxy? Proxy { get; set; }

    public bool IsReadOnly => Type == ReadOnly;

    /// <summary>Where clients connect: the proxy's address (<c>127.0.0.1:port</c>).</summary>
    public string Host => Proxy is null ? "127.0.0.1" : $"127.0.0.1:{Proxy.Port}";
}
