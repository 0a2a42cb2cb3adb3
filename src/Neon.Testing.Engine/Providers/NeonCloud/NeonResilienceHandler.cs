using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>
/// Retries transient Neon API failures (see <see cref="NeonRetryPolicy"/>): exponential backoff with
/// jitter, or exactly the <c>Retry-After</c> a 429 asks for, within bounded attempts and total time.
/// Each retry is logged once, with the method and path only: no headers, no bodies.
/// </summary>
internal sealed class NeonResilienceHandler : DelegatingHandler
{
    private static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("Neon.Request");

    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly NeonResilienceOptions _options;
    private readonly TimeProvider _time;

    public NeonResilienceHandler(NeonResilienceOptions options, ILogger logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _time }
            .AddTimeout(options.TotalTimeout)
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(Reason(args.Outcome, args.Context) is not null),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result is { StatusCode: System.Net.HttpStatusCode.TooManyRequests } response
                        ? NeonRetryPolicy.RetryAfter(response.Headers, _time.GetUtcNow())
                        : null),
                OnRetry = args =>
                {
                    var request = args.Context.Properties.GetValue(RequestKey, null!);
                    logger.LogWarning(
                        "Neon API {Method} {Path}: {Reason}; retry {Attempt} of {MaxAttempts} in {Delay} ms.",
                        request.Method, request.RequestUri?.AbsolutePath, Reason(args.Outcome, args.Context),
                        args.AttemptNumber + 1, options.MaxRetryAttempts, (long)args.RetryDelay.TotalMilliseconds);
                    RetryObserved?.Invoke(args.RetryDelay);
                    return default;
                },
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
    }

    /// <summary>Test hook: the delay of each retry, as Polly will wait it.</summary>
    internal Action<TimeSpan>? RetryObserved { get; set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RequestKey, request);
        try
        {
            return await _pipeline.ExecuteAsync(
                static async (ctx, state) => await state.Handler.SendCoreAsync(state.Request, ctx.CancellationToken).ConfigureAwait(false),
                context,
                (Handler: this, Request: request)).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"Neon API {request.Method} {request.RequestUri?.AbsolutePath} gave no answer in time " +
                $"({_options.AttemptTimeout.TotalSeconds:0} s per attempt, {_options.MaxRetryAttempts + 1} attempts, {_options.TotalTimeout.TotalSeconds:0} s in all).", e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);

    private string? Reason(Outcome<HttpResponseMessage> outcome, ResilienceContext context) =>
        NeonRetryPolicy.TransientReason(outcome, context.CancellationToken.IsCancellationRequested, _options.MaxRetryAfter, _time.GetUtcNow());
}
