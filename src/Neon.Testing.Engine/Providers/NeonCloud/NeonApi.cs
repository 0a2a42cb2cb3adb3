using Microsoft.Extensions.Logging;
using Api = Neon.Api;

namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>
/// The Neon API as the provider uses it: the HTTP pipeline (resilience, bearer token, call counting), and every call
/// mapped to a configuration error (refused key) or a <see cref="NeonProviderException"/> with secrets scrubbed.
/// </summary>
internal sealed class NeonApi : IDisposable
{
    private readonly HttpClient _http;
    private readonly ApiCallCountingHandler _counter;
    private readonly NeonTimings _timings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly NeonResilienceOptions _resilience;

    public NeonApi(NeonTestingOptions options, string projectId, ILogger logger, HttpMessageHandler? handler, NeonResilienceOptions resilience, NeonTimings timings, TimeProvider time)
    {
        ProjectId = projectId;
        _timings = timings;
        _time = time;
        _logger = logger;
        _resilience = resilience;
        Scrubber.Add(options.ApiKey!);

        _counter = new ApiCallCountingHandler { InnerHandler = handler is null ? CreateNetworkHandler() : new LeaveOpenHandler(handler) };
        var pipeline = new NeonResilienceHandler(resilience, _logger, _time) { InnerHandler = new BearerTokenHandler(options.ApiKey!) { InnerHandler = _counter } };
        var baseAddress = options.ApiUrl.AbsoluteUri.EndsWith('/') ? options.ApiUrl : new Uri(options.ApiUrl.AbsoluteUri + "/");
        _http = new HttpClient(pipeline, disposeHandler: true) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        Client = new Api.NeonApiClient(_http);
    }

    /// <summary>The generated client; call it through <see cref="CallAsync"/>.</summary>
    public Api.NeonApiClient Client { get; }

    public string ProjectId { get; }

    /// <summary>Masks the API key and every password read, in every message that leaves the provider.</summary>
    public NeonSecretScrubber Scrubber { get; } = new();

    /// <summary>HTTP requests sent, retries included.</summary>
    public long Calls => _counter.Count;

    public void Dispose() => _http.Dispose();

    private static SocketsHttpHandler CreateNetworkHandler() => new()
    {
        AutomaticDecompression = System.Net.DecompressionMethods.All,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    };

    public async Task<T> CallAsync<T>(string action, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken, bool mutating = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (Api.NeonApiException e) when (mutating && e.StatusCode == 423 && attempt < _timings.LockedAttempts)
            {
                // 423: another operation is running on the branch. Not a transport failure (the retry
                // handler leaves 4xx alone), but worth waiting out a few times before giving up.
                var delay = _timings.PollDelay(attempt + 2);
                _logger.LogInformation("Neon is busy with another operation (423 Locked) while trying to {Action}; trying again in {Delay} ms.", action, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (Api.NeonApiException e) when (e.StatusCode is 401 or 403)
            {
                throw new NeonConfigurationException(NeonSettings.ApiKey,
                    $"The Neon API refused the API key ({e.StatusCode}) trying to {action}. Set NEON_API_KEY to a key with access to project {ProjectId}.", e);
            }
            catch (Api.NeonApiException e)
            {
                throw new NeonProviderException(Scrubber.Scrub($"Neon API refused to {action}: {Describe(e)}"), e.StatusCode, e);
            }
            catch (HttpRequestException e)
            {
                throw new NeonProviderException(Scrubber.Scrub(
                    $"Could not {action}: the Neon API at {_http.BaseAddress?.Host} was unreachable ({e.Message.TrimEnd('.')}), still after every retry the policy allows " +
                    $"({_resilience.MaxRetryAttempts + 1} attempts within {_resilience.TotalTimeout.TotalSeconds:0} s). Check the network and Neon's status; " +
                    "branches this run could not delete expire by themselves, and the next session's sweeper removes the rest."), null, e);
            }
            catch (TimeoutException e)
            {
                throw new NeonProviderException(Scrubber.Scrub($"Could not {action}: {e.Message}"), null, e);
            }
        }
    }

    private static string Describe(Api.NeonApiException exception) => exception switch
    {
        Api.NeonApiException<Api.GeneralError> { Result: { } error } when !string.IsNullOrWhiteSpace(error.Message) =>
            $"{exception.StatusCode}{(string.IsNullOrEmpty(error.Code) ? "" : " " + error.Code)}: {error.Message}",
        { StatusCode: 429 } => "429 Too Many Requests, still after every retry the policy allows.",
        { StatusCode: >= 500 } => $"{exception.StatusCode}, a Neon server error, still after every retry the policy allows.",
        _ => $"{exception.StatusCode}: {exception.Message.Split('\n', 2)[0]}",
    };
}
