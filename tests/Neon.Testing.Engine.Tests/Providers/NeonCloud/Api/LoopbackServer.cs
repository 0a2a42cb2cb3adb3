using System.Net;
using System.Net.Sockets;

namespace Neon.Api.Tests;

/// <summary>A real HTTP server on 127.0.0.1 and a free port, answering with <c>handler</c>.</summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<HttpListenerContext, Task> _handler;
    private readonly Task _loop;
    private readonly List<string> _requests = [];

    private LoopbackServer(HttpListener listener, int port, Func<HttpListenerContext, Task> handler)
    {
        _listener = listener;
        _handler = handler;
        Root = new Uri($"http://127.0.0.1:{port}/");
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The server's root address, ending in '/'.</summary>
    public Uri Root { get; }

    /// <summary>"METHOD /path?query" of every request received, in order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static LoopbackServer Start(Func<HttpListenerContext, Task> handler)
    {
        for (var attempt = 1; ; attempt++)
        {
            // Ask the OS for a free port, then claim it; another process may win the race, so retry.
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new LoopbackServer(listener, port, handler);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop.ConfigureAwait(false);
    }

    private async Task LoopAsync()
    {
        var inFlight = new List<Task>();
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                break;
            }

            lock (_requests)
            {
                _requests.Add($"{context.Request.HttpMethod} {context.Request.Url!.PathAndQuery}");
            }

            // Answer concurrently: a deliberately slow answer must not hold up the next request.
            inFlight.Add(Task.Run(() => AnswerAsync(context)));
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            await _handler(context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A handler bug becomes a 599 the test fails on; a client that hung up is just gone.
            try
            {
                context.Response.StatusCode = 599;
            }
            catch (Exception gone) when (gone is ObjectDisposedException or HttpListenerException or InvalidOperationException)
            {
            }
        }
        finally
        {
            try
            {
                context.Response.Close();
            }
            catch (Exception e) when (e is ObjectDisposedException or HttpListenerException or InvalidOperationException)
            {
            }
        }
    }
}
