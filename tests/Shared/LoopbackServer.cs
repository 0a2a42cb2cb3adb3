using System.Net;
using System.Net.Sockets;

namespace Neon.Testing.TestSupport;

/// <summary>One request the server received: "METHOD /path?query" and its Authorization header.</summary>
internal sealed record LoopbackRequest(string Line, string? Authorization);

/// <summary>A real HTTP server on 127.0.0.1 and a free port; <c>handler</c> answers request number n (1-based).</summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<int, HttpListenerContext, Task> _handler;
    private readonly Task _loop;
    private readonly List<LoopbackRequest> _requests = [];

    private LoopbackServer(HttpListener listener, int port, Func<int, HttpListenerContext, Task> handler)
    {
        _listener = listener;
        _handler = handler;
        Root = new Uri($"http://127.0.0.1:{port}/");
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The server's root address, ending in '/'.</summary>
    public Uri Root { get; }

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<LoopbackRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Starts a server whose <paramref name="handler"/> answers every request alike.</summary>
    public static LoopbackServer Start(Func<HttpListenerContext, Task> handler) => Start((_, context) => handler(context));

    /// <summary>Starts a server whose <paramref name="handler"/> is told which request (1-based) it answers.</summary>
    public static LoopbackServer Start(Func<int, HttpListenerContext, Task> handler)
    {
        for (var attempt = 1; ; attempt++)
        {
            // Ask the OS for a free port, then claim it; another process may win the race, so retry.
            var port = FreePort();
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

    /// <summary>A port nothing listens on (right now): connecting to it is refused.</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>Answers with <paramref name="status"/>, a JSON <paramref name="body"/> and extra headers.</summary>
    public static async Task ReplyAsync(HttpListenerContext context, int status, string body = "{}", params (string Name, string Value)[] headers)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        await context.Response.OutputStream.WriteAsync(bytes);
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

            int number;
            lock (_requests)
            {
                _requests.Add(new LoopbackRequest($"{context.Request.HttpMethod} {context.Request.Url!.PathAndQuery}", context.Request.Headers["Authorization"]));
                number = _requests.Count;
            }

            // Answer concurrently: a deliberately slow answer must not hold up the next request.
            inFlight.Add(Task.Run(() => AnswerAsync(context, number)));
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private async Task AnswerAsync(HttpListenerContext context, int number)
    {
        try
        {
            await _handler(number, context).ConfigureAwait(false);
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
