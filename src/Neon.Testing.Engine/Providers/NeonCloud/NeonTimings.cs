namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>How long and how often the provider polls Neon for operations and endpoints. Tests shorten them.</summary>
internal sealed record NeonTimings
{
    /// <summary>Longest wait for the operations of one call to finish.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Longest wait for a compute endpoint to become active once its operations finished.</summary>
    public TimeSpan EndpointTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>First poll delay; grows by half per poll up to <see cref="MaxPollInterval"/>.</summary>
    public TimeSpan FirstPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest delay between two polls.</summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Attempts of a mutating call Neon answers with 423 Locked (another operation is running on the branch).</summary>
    public int LockedAttempts { get; init; } = 5;

    /// <summary>Budget for deleting what a failed call created.</summary>
    public TimeSpan CleanupTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The delay before poll number <paramref name="poll"/> (0-based).</summary>
    public TimeSpan PollDelay(int poll)
    {
        var delay = FirstPollInterval.TotalMilliseconds * Math.Pow(1.5, Math.Min(poll, 30));
        return TimeSpan.FromMilliseconds(Math.Min(delay, MaxPollInterval.TotalMilliseconds));
    }
}
