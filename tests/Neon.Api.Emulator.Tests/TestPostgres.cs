using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine.Providers.Local;

[assembly: Parallelize(Workers = 2, Scope = ExecutionScope.ClassLevel)]

namespace Neon.Api.Emulator.Tests;

/// <summary>The real embedded PostgreSQL the emulators run on; tests use its superuser to look behind the API.</summary>
[TestClass]
public static class TestPostgres
{
    private static EmbeddedPostgres? _server;

    public static EmbeddedPostgres Server => _server ?? throw new InvalidOperationException("The assembly initializer has not run.");

    [AssemblyInitialize]
    public static async Task StartAsync(TestContext context)
    {
        var root = Environment.GetEnvironmentVariable("NEON_LOCAL_DATA_DIR");
        _server = await EmbeddedPostgres.StartAsync(string.IsNullOrEmpty(root) ? null : root, NullLogger.Instance, context.CancellationToken);
    }
}
