using System.Globalization;
using System.Net.Http.Headers;
using Polly;
using Polly.Timeout;

namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>Which Neon API outcomes are worth another attempt, and how long the server asks us to wait.</summary>
internal static class NeonRetryPolicy
{
    /// <summary>
    /// Why <paramref name="outcome"/> may be retried (for the log), or <see langword="null"/> when it must not be:
    /// 429 (unless it asks for more than <paramref name="maxRetryAfter"/>), 5xx other than 501/505,
    /// per-attempt timeouts and connection failures. Never other 4xx, never a caller's cancellation.
    /// </summary>
    public static string? TransientReason(Outcome<HttpResponseMessage> outcome, bool callerCancelled, TimeSpan maxRetryAfter, DateTimeOffset now)
    {
        if (callerCancelled)
        {
            return null;
        }

        if (outcome.Exception is { } exception)
        {
            return exception switch
            {
                TimeoutRejectedException timeout => $"no answer within {timeout.Timeout.TotalSeconds:0.#} s",
                HttpRequestException http => $"connection failed ({http.HttpRequestError})",
                OperationCanceledException => "the request timed out",
                _ => null,
            };
        }

        if (outcome.Result is not { } response)
        {
            return null;
        }

        var status = (int)response.StatusCode;
        if (status == 429)
        {
            var wait = RetryAfter(response.Headers, now);
            return wait > maxRetryAfter ? null : wait is { } w ? $"429 Too Many Requests (Retry-After {w.TotalSeconds:0.###} s)" : "429 Too Many Requests";
        }

        return IsTransientStatus(status) ? $"{status} {response.ReasonPhrase}".TrimEnd() : null;
    }

    /// <summary>5xx means the server failed and may succeed next time, except "not implemented" and "version not supported".</summary>
    public static bool IsTransientStatus(int status) => status == 429 || (status is >= 500 and <= 599 && status is not 501 and not 505);

    /// <summary>The wait a <c>Retry-After</c> header asks for (seconds or an HTTP date), never negative; <see langword="null"/> when absent or unreadable.</summary>
    public static TimeSpan? RetryAfter(HttpResponseHeaders headers, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (headers.RetryAfter is { } value)
        {
            if (value.Delta is { } delta)
            {
                return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            }

            if (value.Date is { } date)
            {
                return date > now ? date - now : TimeSpan.Zero;
            }
        }

        // Some proxies send fractional seconds ("1.5"), which the typed header rejects.
        if (headers.NonValidated.TryGetValues("Retry-After", out var raw)
            && double.TryParse(raw.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            && double.IsFinite(seconds))
        {
            return seconds <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(seconds, TimeSpan.MaxValue.TotalSeconds / 2));
        }

        return null;
    }
}
