using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine.Providers.Local;

// Two classes at a time: the stuck-operation class mostly waits, the others keep the machine busy.
[assembly: Parallelize(Workers = 2, Scope = ExecutionScope.ClassLevel)]

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>The real embedded PostgreSQL every emulator of this assembly stores its branches in.</summary>
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
