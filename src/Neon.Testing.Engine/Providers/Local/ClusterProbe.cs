using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Neon.Testing.Engine.Providers.Local;

/// <summary>What is running on this machine: the port of a live cluster, whether it accepts connections, a free port.</summary>
internal static class ClusterProbe
{
    public static int? ReadRunningPort(string dataDirectory)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        string[] lines;
        try
        {
            lines = File.ReadAllLines(pidFile);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        if (lines.Length < 4 || !int.TryParse(lines[0], out var pid) || !int.TryParse(lines[3], out var port))
        {
            return null;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited ? null : port;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Whether the server at <paramref name="connectionString"/> accepts a connection within <paramref name="timeout"/>.</summary>
    public static async Task<bool> CanConnectAsync(string connectionString, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var dataSource = OwnDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Timeout = 5 }.ConnectionString);
        return await CanConnectAsync(dataSource.OpenConnectionAsync, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether <paramref name="open"/> gets a connection within <paramref name="timeout"/>. From a pool, the connection
    /// stays open in it for the pool's next user: the probe then costs no connection of its own.
    /// </summary>
    public static async Task<bool> CanConnectAsync(Func<CancellationToken, ValueTask<NpgsqlConnection>> open, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = await open(cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or SocketException)
            {
                if (deadline.Elapsed > timeout)
                {
                    return false;
                }

                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
