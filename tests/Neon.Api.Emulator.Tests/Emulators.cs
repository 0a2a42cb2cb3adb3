namespace Neon.Api.Emulator.Tests;

/// <summary>Emulators for tests: short, test-friendly delays on the shared embedded cluster.</summary>
internal static class Emulators
{
    public static NeonApiEmulatorOptions Fast { get; } = new()
    {
        OperationSchedulingDelay = TimeSpan.FromMilliseconds(20),
        OperationRunningDelay = TimeSpan.FromMilliseconds(50),
        EndpointStartDelay = TimeSpan.FromMilliseconds(100),
        ExpiryCheckInterval = TimeSpan.FromMilliseconds(200),
    };

    public static Task<NeonApiEmulator> StartAsync(CancellationToken cancellationToken, Func<NeonApiEmulatorOptions, NeonApiEmulatorOptions>? configure = null) =>
        NeonApiEmulator.StartAsync((configure ?? (o => o))(Fast with { AdminConnectionString = TestPostgres.Server.AdminConnectionString }), cancellationToken);
}
