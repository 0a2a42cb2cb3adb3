using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Neon.Api.Emulator;

/// <summary>
/// Plays a Neon compute endpoint: a loopback PostgreSQL listener that takes TLS like Neon's proxy,
/// reads the startup message, lets the emulator map <c>neondb_owner</c>/<c>neondb</c> to the branch's
/// local role and database (waiting while the endpoint starts), then relays bytes to the real server.
/// Authentication stays end to end: the local roles share the password Neon's role reveals.
/// </summary>
internal sealed class EndpointProxy : IAsyncDisposable
{
    private const int ProtocolMajor3 = 3;
    private const int SslRequest = 80877103;
    private const int GssEncRequest = 80877104;
    private const int CancelRequest = 80877102;
    private const int MaxStartupLength = 10_000;

    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;
    private readonly Func<Dictionary<string, string>, CancellationToken, Task<Dictionary<string, string>>> _route;
    private readonly string _backendHost;
    private readonly int _backendPort;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, Task> _sessions = new();
    private readonly Task _accepting;
    private int _sessionCounter;
    private int _disposed;

    private EndpointProxy(
        X509Certificate2 certificate,
        Func<Dictionary<string, string>, CancellationToken, Task<Dictionary<string, string>>> route,
        string backendHost,
        int backendPort,
        ILogger logger)
    {
        _certificate = certificate;
        _route = route;
        _backendHost = backendHost;
        _backendPort = backendPort;
        _logger = logger;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptLoopAsync();
    }

    /// <summary>The loopback port clients connect to.</summary>
    public int Port { get; }

    /// <summary>Starts listening. <paramref name="route"/> rewrites the startup parameters, or throws <see cref="PostgresRefusalException"/>.</summary>
    /// <summary>Client sessions relayed right now: a compute with any is never suspended.</summary>
    public int OpenSessions => _sessions.Count;

    public static EndpointProxy Start(
        X509Certificate2 certificate,
        Func<Dictionary<string, string>, CancellationToken, Task<Dictionary<string, string>>> route,
        string backendHost,
        int backendPort,
        ILogger logger) => new(certificate, route, backendHost, backendPort, logger);

    /// <summary>Stops listening and cuts every relayed session, as a compute going away does.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _accepting.ConfigureAwait(false);
        await Task.WhenAll(_sessions.Values).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var id = Interlocked.Increment(ref _sessionCounter);
            _sessions[id] = Task.Run(async () =>
            {
                try
                {
                    await RelayAsync(client).ConfigureAwait(false);
                }
                finally
                {
                    _sessions.TryRemove(id, out _);
                }
            });
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var cancellationToken = session.Token;
        using (client)
        {
            Stream stream = client.GetStream();
            try
            {
                client.NoDelay = true;
                var (code, body) = await ReadStartupAsync(stream, cancellationToken).ConfigureAwait(false);
                while (code is SslRequest or GssEncRequest)
                {
                    if (code == GssEncRequest || stream is SslStream)
                    {
                        await stream.WriteAsync("N"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await stream.WriteAsync("S"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, cancellationToken).ConfigureAwait(false);
                        stream = tls;
                    }

                    (code, body) = await ReadStartupAsync(stream, cancellationToken).ConfigureAwait(false);
                }

                if (code == CancelRequest)
                {
                    // Process id and key are the real server's, so the request goes through untouched.
                    using var cancel = new TcpClient { NoDelay = true };
                    await cancel.ConnectAsync(_backendHost, _backendPort, cancellationToken).ConfigureAwait(false);
                    await cancel.GetStream().WriteAsync(Packet(code, body), cancellationToken).ConfigureAwait(false);
                    return;
                }

                if (code >> 16 != ProtocolMajor3)
                {
                    await WriteFatalAsync(stream, "08P01", $"unsupported frontend protocol {code >> 16}.{code & 0xFFFF}", cancellationToken).ConfigureAwait(false);
                    return;
                }

                Dictionary<string, string> parameters;
                try
                {
                    parameters = await _route(ParseParameters(body), cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresRefusalException refusal)
                {
                    await WriteFatalAsync(stream, refusal.SqlState, refusal.Message, cancellationToken).ConfigureAwait(false);
                    return;
                }

                using var backend = new TcpClient { NoDelay = true };
                await backend.ConnectAsync(_backendHost, _backendPort, cancellationToken).ConfigureAwait(false);
                var server = backend.GetStream();
                await server.WriteAsync(Packet(code, SerializeParameters(parameters)), cancellationToken).ConfigureAwait(false);

                var up = stream.CopyToAsync(server, cancellationToken);
                var down = server.CopyToAsync(stream, cancellationToken);
                await Task.WhenAny(up, down).ConfigureAwait(false);
                await session.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(Quietly(up), Quietly(down)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException or InvalidDataException)
            {
                _logger.LogDebug("Endpoint proxy session on port {Port} ended: {Reason}", Port, e.Message);
            }
            finally
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static async Task<(int Code, byte[] Body)> ReadStartupAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[8];
        await stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length < 8 || length > MaxStartupLength)
        {
            throw new InvalidDataException($"Startup packet of {length} bytes.");
        }

        var body = new byte[length - 8];
        await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        return (BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4)), body);
    }

    private static Dictionary<string, string> ParseParameters(byte[] body)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var position = 0;
        while (position < body.Length && body[position] != 0)
        {
            var key = ReadCString(body, ref position);
            parameters[key] = ReadCString(body, ref position);
        }

        return parameters;
    }

    private static string ReadCString(byte[] body, ref int position)
    {
        var end = Array.IndexOf(body, (byte)0, position);
        if (end < 0)
        {
            throw new InvalidDataException("Unterminated string in the startup packet.");
        }

        var text = Encoding.UTF8.GetString(body, position, end - position);
        position = end + 1;
        return text;
    }

    private static byte[] SerializeParameters(Dictionary<string, string> parameters)
    {
        using var body = new MemoryStream();
        foreach (var (key, value) in parameters)
        {
            body.Write(Encoding.UTF8.GetBytes(key));
            body.WriteByte(0);
            body.Write(Encoding.UTF8.GetBytes(value));
            body.WriteByte(0);
        }

        body.WriteByte(0);
        return body.ToArray();
    }

    private static byte[] Packet(int code, byte[] body)
    {
        var packet = new byte[8 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(packet, packet.Length);
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(4), code);
        body.CopyTo(packet, 8);
        return packet;
    }

    private static async Task WriteFatalAsync(Stream stream, string sqlState, string message, CancellationToken cancellationToken)
    {
        using var fields = new MemoryStream();
        void Field(char type, string value)
        {
            fields.WriteByte((byte)type);
            fields.Write(Encoding.UTF8.GetBytes(value));
            fields.WriteByte(0);
        }

        Field('S', "FATAL");
        Field('V', "FATAL");
        Field('C', sqlState);
        Field('M', message);
        fields.WriteByte(0);
        var packet = new byte[5 + fields.Length];
        packet[0] = (byte)'E';
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(1), (int)fields.Length + 4);
        fields.ToArray().CopyTo(packet, 5);
        await stream.WriteAsync(packet, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
