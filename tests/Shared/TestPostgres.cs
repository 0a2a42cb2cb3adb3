using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine.Providers.Local;

namespace Neon.Testing.TestSupport;

/// <summary>
/// The real PostgreSQL a test assembly runs against: the product's own embedded cluster, started once per assembly.
/// Tests use its superuser to look behind the code under test.
/// </summary>
[TestClass]
public static class TestPostgres
{
    private static EmbeddedPostgres? _server;

    public static EmbeddedPostgres Server => _server ?? throw new InvalidOperationException("The assembly initializer has not run.");

    /// <summary>Folder of the embedded cluster: NEON_LOCAL_DATA_DIR (set by .ci/run) when set and not empty, else the product default.</summary>
    public static string? RootDirectory => Environment.GetEnvironmentVariable("NEON_LOCAL_DATA_DIR") is { Length: > 0 } root ? root : null;

    [AssemblyInitialize]
    public static async Task StartAsync(TestContext context)
    {
        _server = await EmbeddedPostgres.StartAsync(RootDirectory, NullLogger.Instance, context.CancellationToken);
    }
}
