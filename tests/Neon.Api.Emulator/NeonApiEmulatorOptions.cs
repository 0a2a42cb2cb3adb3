using Microsoft.Extensions.Logging;

namespace Neon.Api.Emulator;

/// <summary>How a <see cref="NeonApiEmulator"/> behaves; every value has a test-friendly default.</summary>
public sealed record NeonApiEmulatorOptions
{
    /// <summary>The bearer key requests must carry; a random one when empty.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The one project's id; a Neon-shaped random one when empty.</summary>
    public string? ProjectId { get; init; }

    /// <summary>The project's name.</summary>
    public string ProjectName { get; init; } = "neon-api-emulator";

    /// <summary>HTTP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>A PostgreSQL superuser (or CREATEDB + CREATEROLE) connection string; the embedded cluster when empty.</summary>
    public string? AdminConnectionString { get; init; }

    /// <summary>Folder of the embedded cluster; <c>NEON_LOCAL_DATA_DIR</c>, else the product's default folder, when empty.</summary>
    public string? LocalDataDirectory { get; init; }

    /// <summary>How long a new operation stays <c>scheduling</c>.</summary>
    public TimeSpan OperationSchedulingDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long an operation stays <c>running</c> at least (its real work may take longer).</summary>
    public TimeSpan OperationRunningDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a compute takes to start: an endpoint stays <c>init</c> this long after its operation runs.</summary>
    public TimeSpan EndpointStartDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a PostgreSQL connection waits for a starting endpoint before it is refused.</summary>
    public TimeSpan EndpointConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A compute with no client sessions for this long is suspended (<c>idle</c>), as Neon's scale-to-zero does
    /// (<c>suspend_timeout_seconds</c> 0 means Neon's default of 300 s); a connection wakes it. Never when null.
    /// </summary>
    public TimeSpan? ComputeSuspendTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often expired branches are deleted (and idle computes suspended).</summary>
    public TimeSpan ExpiryCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// PostgreSQL copies a database as a template only while nobody is connected to it; Neon has no
    /// such limit. A copy waits this long for sessions on the source to end, then copies with
    /// pg_dump/pg_restore instead (or, without those tools, ends the sessions).
    /// </summary>
    public TimeSpan SourceSessionGrace { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Refuse any child of an expiring branch, not only children that carry an expiry themselves
    /// (Neon's documentation words the rule both ways).
    /// </summary>
    public bool RefuseChildrenOfExpiringBranches { get; init; }

    /// <summary>
    /// The rate limits answered with 429 (Neon's published ones by default); <see langword="null"/> turns them off.
    /// Requests are measured either way (<see cref="NeonApiEmulator.RateLimits"/>).
    /// </summary>
    public NeonRateLimits? RateLimits { get; init; } = NeonRateLimits.Published;

    /// <summary>Clock for operations, endpoint start-up and expiry.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the emulator logs (never secrets); silent when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
