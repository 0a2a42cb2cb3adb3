namespace Neon.Testing.NeonCloud.Tests;

/// <summary>
/// The system clock shifted by a fixed offset; timers run in real time. An emulator whose clock runs an
/// hour behind stamps every branch it creates an hour old, as a crashed run of the past would have left it.
/// </summary>
internal sealed class OffsetTimeProvider(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}
