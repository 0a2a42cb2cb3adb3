using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine.Providers.Local;

namespace Neon.Testing.Faults.Tests.Support;

/// <summary>
/// A PostgreSQL cluster of one fault case's own (the product's embedded one in a private folder): a case may kill or
/// restart it without touching the suite's cluster. Disposing stops it and removes the folder.
/// </summary>
public sealed class ProcessRunServer : IAsyncDisposable
{
    private ProcessRunServer(string directory, EmbeddedPostgres server)
    {
        Directory = directory;
        Server = server;
    }

    public string Directory { get; }

    public EmbeddedPostgres Server { get; private set; }

    public ProcessRunCluster Cluster => new(Server.AdminConnectionString);

    public static async Task<ProcessRunServer> StartAsync()
    {
        // The server runs as 'nobody' when the tests run as root: it must be able to enter the folder.
        var directory = Path.Combine(Environment.UserName == "root" ? "/var/tmp" : Path.GetTempPath(), "neon-faults-server-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        }
        return new ProcessRunServer(directory, await EmbeddedPostgres.StartAsync(directory, NullLogger.Instance));
    }

    /// <summary>The postmaster's pid, from its postmaster.pid.</summary>
    public int PostmasterPid()
    {
        var file = System.IO.Directory.GetFiles(Directory, "postmaster.pid", SearchOption.AllDirectories).Single();
        return int.Parse(File.ReadLines(file).First().Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>Stops the server (fast shutdown: sessions are cut) and starts it again on the same data.</summary>
    public async Task RestartAsync()
    {
        await EmbeddedPostgres.StopAsync(Directory);
        Server = await EmbeddedPostgres.StartAsync(Directory, NullLogger.Instance);
    }

    /// <summary>Finds the server again after a run restarted it (a killed postmaster comes back on another port).</summary>
    public async Task RefreshAsync() => Server = await EmbeddedPostgres.StartAsync(Directory, NullLogger.Instance);

    public async ValueTask DisposeAsync()
    {
        await EmbeddedPostgres.StopAsync(Directory);
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
