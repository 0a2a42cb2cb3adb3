namespace Neon.Api.Emulator;

/// <summary>One queued HTTP failure: the status to answer, and Retry-After for 429s.</summary>
internal sealed record HttpFault(int StatusCode, TimeSpan? RetryAfter, string? OperationId);
