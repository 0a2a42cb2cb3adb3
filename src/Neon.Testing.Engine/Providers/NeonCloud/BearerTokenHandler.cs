using System.Net.Http.Headers;

namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>Adds the Neon API key as a bearer token to every attempt. The key lives only in this header.</summary>
internal sealed class BearerTokenHandler : DelegatingHandler
{
    private static readonly ProductInfoHeaderValue UserAgent = new("Neon.Testing.Sdk", typeof(BearerTokenHandler).Assembly.GetName().Version?.ToString(3) ?? "0");

    private readonly string _apiKey;

    public BearerTokenHandler(string apiKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        _apiKey = apiKey;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        if (!request.Headers.UserAgent.Contains(UserAgent))
        {
            request.Headers.UserAgent.Add(UserAgent);
        }

        return base.SendAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    public override string ToString() => "Bearer ***";
}
