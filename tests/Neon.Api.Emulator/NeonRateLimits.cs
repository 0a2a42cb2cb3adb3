namespace Neon.Api.Emulator;

/// <summary>
/// Neon's published API rate limits (https://neon.tech/docs/reference/api-reference: 700 requests per minute per
/// account, bursts of up to 40 requests per second per route). Over either, Neon answers 429 Too Many Requests.
/// </summary>
public sealed record NeonRateLimits
{
    /// <summary>The limits Neon publishes.</summary>
    public static NeonRateLimits Published { get; } = new();

    /// <summary>Requests per minute, all routes of the account together.</summary>
    public int RequestsPerMinute { get; init; } = 700;

    /// <summary>Requests per second to one route (method and path template, e.g. GET /projects/{project_id}/operations/{operation_id}).</summary>
    public int RequestsPerSecondPerRoute { get; init; } = 40;
}
