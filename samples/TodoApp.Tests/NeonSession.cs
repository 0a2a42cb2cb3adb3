using Neon.Testing.Branching;

namespace TodoApp.Tests;

/// <summary>
/// Starts one Neon test session for the assembly: migration branch from <c>sql/</c>, then read-only,
/// shared and isolated branches on demand; deletes them all at the end.
/// </summary>
[TestClass]
public static class NeonSession
{
    private static TestDatabaseSession? _session;

    public static TestDatabaseSession Current => _session ?? throw new InvalidOperationException("No session.");

    internal static SessionLog Log { get; } = new(Environment.GetEnvironmentVariable("NEON_SAMPLE_LOG") ?? Path.Combine(AppContext.BaseDirectory, "neon-session.log"));

    [AssemblyInitialize]
    public static async Task StartAsync(TestContext context)
    {
        // Zero configuration: migrations from sql/, everything else from defaults or NEON_* variables.
        var options = NeonTestingOptions.Parse(
            new Dictionary<string, string?> { [NeonSettings.Migrations] = Path.Combine(AppContext.BaseDirectory, "sql") },
            NeonTestingOptions.FromEnvironment());
        _session = await TestDatabaseSession.StartAsync(options, Log, context.CancellationToken);
    }

    [AssemblyCleanup]
    public static async Task StopAsync()
    {
        if (_session is null)
        {
            return;
        }

        await _session.DisposeAsync();
        Log.Write("Session summary: " + _session.Statistics.ToJson().ReplaceLineEndings(" "));
    }
}
