using System.Net;
using System.Net.Sockets;

namespace Neon.Testing.Faults.Tests.NeonCloud;

/// <summary>
/// A loopback TCP relay in front of the Neon API emulator that can be taken down: while down its port is closed,
/// so every connection is refused (the API unreachable), and the connections it relayed are cut. Up again on the same port.
/// </summary>
internal sealed class RefusingGate : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly Lock _gate = new();
    private readonly List<TcpClient> _open = [];
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;

    private RefusingGate(IPEndPoint target, int port)
    {
        _target = target;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Connections refused while down are not counted (the kernel refuses them); this counts relayed ones.</summary>
    public int Relayed { get; private set; }

    public static RefusingGate Start(Uri target)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var gate = new RefusingGate(new IPEndPoint(IPAddress.Loopback, target.Port), port);
        gate.Up();
        return gate;
    }

    /// <summary>The API base address through the gate.</summary>
    public Uri Rewrite(Uri api) => new UriBuilder(api) { Port = Port }.Uri;

    public void Up()
    {
        lock (_gate)
        {
            if (_listener is not null)
            {
                return;
            }

            var listener = new TcpListener(IPAddress.Loopback, Port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            _listener = listener;
            _accepting = AcceptAsync(listener);
        }
    }

    /// <summary>Closes the port and cuts the relayed connections: from now on connecting is refused.</summary>
    public async Task DownAsync()
    {
        TcpListener? listener;
        List<TcpClient> open;
        lock (_gate)
        {
            listener = _listener;
            _listener = null;
            open = [.. _open];
            _open.Clear();
        }

        listener?.Stop();
        foreach (var client in open)
        {
            client.Dispose();
        }

        await _accepting.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await DownAsync();

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        lock (_gate)
        {
            _open.Add(client);
            _open.Add(upstream);
            Relayed++;
        }

        try
        {
            await upstream.ConnectAsync(_target);
            var a = client.GetStream();
            var b = upstream.GetStream();
            await Task.WhenAny(a.CopyToAsync(b), b.CopyToAsync(a));
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
        finally
        {
            client.Dispose();
            upstream.Dispose();
            lock (_gate)
            {
                _open.Remove(client);
                _open.Remove(upstream);
            }
        }
    }
}
