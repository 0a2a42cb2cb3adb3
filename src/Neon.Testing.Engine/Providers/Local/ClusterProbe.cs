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
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
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
