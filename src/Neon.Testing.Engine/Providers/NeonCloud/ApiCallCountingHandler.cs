namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>Counts requests that reach the wire, retries included: that is what rate limits count.</summary>
internal sealed class ApiCallCountingHandler : DelegatingHandler
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _count);
        return base.SendAsync(request, cancellationToken);
    }
}
