using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine.Providers.Local;

namespace Neon.Testing.Engine.Tests;

/// <summary>The real PostgreSQL every test in this assembly runs against: the product's own embedded cluster.</summary>
[TestClass]
public static class TestPostgres
{
    private static EmbeddedPostgres? _server;

    public static EmbeddedPostgres Server => _server ?? throw new InvalidOperationException("The assembly initializer has not run.");

    /// <summary>Folder of the embedded cluster: NEON_LOCAL_DATA_DIR (set by .ci/run), else the product default.</summary>
    public static string? RootDirectory => Environment.GetEnvironmentVariable("NEON_LOCAL_DATA_DIR");

    [AssemblyInitialize]
    public static async Task StartAsync(TestContext context)
    {
        _server = await EmbeddedPostgres.StartAsync(RootDirectory, NullLogger.Instance, context.CancellationToken);
    }
}
