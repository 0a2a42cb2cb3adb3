using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Neon.Api.Emulator;

/// <summary>
/// What every request goes through, in Neon's order: request id, per-operation counting, bearer-key
/// authentication (401), rate limits (429 with Retry-After), injected faults (429 with Retry-After, 423, 5xx), then the route, whose refusals
/// become Neon's error JSON.
/// </summary>
internal sealed class RequestPipeline
{
    private readonly byte[] _apiKey;
    private readonly FaultInjector _faults;
    private readonly RequestCounter _requests;
    private readonly RateLimiter _limiter;
    private readonly ILogger _logger;

    public RequestPipeline(string apiKey, FaultInjector faults, RequestCounter requests, RateLimiter limiter, ILogger logger)
    {
        _apiKey = Encoding.UTF8.GetBytes(apiKey);
        _faults = faults;
        _requests = requests;
        _limiter = limiter;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        context.Response.Headers["x-neon-ret-request-id"] = Guid.NewGuid().ToString();
        var operationId = context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
        _requests.Increment(operationId ?? "unmatched");

        if (!IsAuthorized(context.Request))
        {
            await NeonResults.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "", "authentication required: provide a valid API key as 'Authorization: Bearer <key>'").ConfigureAwait(false);
            return;
        }

        if (operationId is null)
        {
            await NeonResults.WriteErrorAsync(context, StatusCodes.Status404NotFound, "", "not found").ConfigureAwait(false);
            return;
        }

        // Neon counts per account and per route; the spec gives 429 a GeneralError body and no headers, the
        // recordings hold none: Retry-After is the standard hint, and what the product's retry policy honours.
        var route = $"{context.Request.Method} {(context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText}";
        if (_limiter.TryAdmit(route) is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await NeonResults.WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, "", "rate limit exceeded").ConfigureAwait(false);
            return;
        }

        if (_faults.TakeHttpFault(operationId) is { } fault)
        {
            if (fault.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            }

            var message = fault.StatusCode switch
            {
                StatusCodes.Status429TooManyRequests => "rate limit exceeded",
                StatusCodes.Status423Locked => "project already has running conflicting operations, scheduling of new ones is prohibited",
                _ => "emulator: injected server error",
            };
            await NeonResults.WriteErrorAsync(context, fault.StatusCode, "", message).ConfigureAwait(false);
            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (NeonApiException e)
        {
            await NeonResults.WriteErrorAsync(context, e.StatusCode, e.Code, e.Message).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            await NeonResults.WriteErrorAsync(context, e.StatusCode, "", $"invalid request: {e.Message}").ConfigureAwait(false);
        }
        catch (Exception e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            _logger.LogError(e, "{Operation} failed inside the emulator.", operationId);
            await NeonResults.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "", "internal error").ConfigureAwait(false);
        }
    }

    private bool IsAuthorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()), _apiKey);
    }
}
