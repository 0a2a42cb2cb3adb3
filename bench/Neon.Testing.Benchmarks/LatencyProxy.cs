using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Neon.Testing.Benchmarks;

/// <summary>
/// A loopback TCP proxy in front of PostgreSQL that holds every chunk for <see cref="OneWay"/> in each direction, like a
/// server a network away, and counts round trips: a turn is a chunk from the client after the server last spoke (or the
/// first one), so a pipelined batch counts once and a statement that waits for its answer before the next counts twice.
/// </summary>
internal sealed class LatencyProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private long _turns;

    private LatencyProxy(int targetPort, TimeSpan oneWay)
    {
        _targetPort = targetPort;
        OneWay = oneWay;
    }

    public TimeSpan OneWay { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Client-to-server turns so far, over every connection.</summary>
    public long Turns => Interlocked.Read(ref _turns);

    public static LatencyProxy Start(int targetPort, TimeSpan oneWay)
    {
        var proxy = new LatencyProxy(targetPort, oneWay);
        proxy._listener.Start();
        proxy._tasks.Add(proxy.AcceptAsync());
        return proxy;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_tasks)
            {
                _tasks.Add(ServeAsync(client));
            }
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            var lastFromClient = new StrongBox<bool>(false);
            using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = PumpAsync(client.GetStream(), server.GetStream(), fromClient: true, lastFromClient, done.Token);
            var down = PumpAsync(server.GetStream(), client.GetStream(), fromClient: false, lastFromClient, done.Token);
            await Task.WhenAny(up, down);
            await done.CancelAsync();
            await Task.WhenAll(up, down).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            // A closed connection ends its pumps.
        }
    }

    private sealed class StrongBox<T>(T value)
    {
        public T Value = value;
    }

    /// <summary>Reads chunks as they come and writes each one <see cref="OneWay"/> after it arrived, in order.</summary>
    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool fromClient, StrongBox<bool> lastFromClient, CancellationToken cancellationToken)
    {
        var queue = Channel.CreateUnbounded<(long Due, byte[] Data)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writer = Task.Run(async () =>
        {
            await foreach (var (due, data) in queue.Reader.ReadAllAsync(cancellationToken))
            {
                var wait = Stopwatch.GetElapsedTime(0, due - Stopwatch.GetTimestamp() > 0 ? due - Stopwatch.GetTimestamp() : 0);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                await to.WriteAsync(data, cancellationToken);
            }
        }, cancellationToken);
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                lock (lastFromClient)
                {
                    if (fromClient && !lastFromClient.Value)
                    {
                        Interlocked.Increment(ref _turns);
                    }

                    lastFromClient.Value = fromClient;
                }

                var due = Stopwatch.GetTimestamp() + (long)(OneWay.TotalSeconds * Stopwatch.Frequency);
                await queue.Writer.WriteAsync((due, buffer.AsSpan(0, read).ToArray()), cancellationToken);
            }
        }
        finally
        {
            queue.Writer.TryComplete();
            await writer.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] tasks;
        lock (_tasks)
        {
            tasks = [.. _tasks];
        }

        await Task.WhenAll(tasks).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }
}
