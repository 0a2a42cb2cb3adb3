using System.Net;
using System.Net.Http.Headers;
using Neon.Testing.Engine.Providers.NeonCloud;
using Polly;
using Polly.Timeout;

namespace Neon.Testing.Engine.Tests.Providers.NeonCloud;

[TestClass]
public sealed class NeonRetryPolicyTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 16, 21, 2, 1, TimeSpan.Zero);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(60);

    [TestMethod]
    [DataRow(429)]
    [DataRow(500)]
    [DataRow(502)]
    [DataRow(503)]
    [DataRow(504)]
    [DataRow(599)]
    public void TooManyRequestsAndServerErrors_AreRetried(int status)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status);

        Assert.IsNotNull(Reason(response));
    }

    [TestMethod]
    [DataRow(200)]
    [DataRow(204)]
    [DataRow(400)]
    [DataRow(401)]
    [DataRow(403)]
    [DataRow(404)]
    [DataRow(408)]
    [DataRow(409)]
    [DataRow(412)]
    [DataRow(423)]
    [DataRow(501)]
    [DataRow(505)]
    public void SuccessesClientErrorsAndPermanentServerErrors_AreNotRetried(int status)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status);

        Assert.IsNull(Reason(response));
    }

    [TestMethod]
    public void TooManyRequests_AskingForMoreThanTheLimit_IsNotRetried_SoTheRunFailsFast()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(61));

        Assert.IsNull(Reason(response));
    }

    [TestMethod]
    public void TooManyRequests_NamesTheWaitInTheReason()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(3));

        Assert.AreEqual("429 Too Many Requests (Retry-After 3 s)", Reason(response));
    }

    [TestMethod]
    public void ConnectionFailuresAndAttemptTimeouts_AreRetried()
    {
        Assert.IsNotNull(NeonRetryPolicy.TransientReason(Outcome.FromException<HttpResponseMessage>(new HttpRequestException(HttpRequestError.ConnectionError, "refused")), false, MaxRetryAfter, Now));
        Assert.IsNotNull(NeonRetryPolicy.TransientReason(Outcome.FromException<HttpResponseMessage>(new TimeoutRejectedException(TimeSpan.FromSeconds(30))), false, MaxRetryAfter, Now));
    }

    [TestMethod]
    public void AnythingTheCallerCancelled_IsNotRetried()
    {
        Assert.IsNull(NeonRetryPolicy.TransientReason(Outcome.FromException<HttpResponseMessage>(new OperationCanceledException()), true, MaxRetryAfter, Now));
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        Assert.IsNull(NeonRetryPolicy.TransientReason(Outcome.FromResult(response), true, MaxRetryAfter, Now));
    }

    [TestMethod]
    public void UnexpectedExceptions_AreNotRetried()
    {
        Assert.IsNull(NeonRetryPolicy.TransientReason(Outcome.FromException<HttpResponseMessage>(new InvalidOperationException()), false, MaxRetryAfter, Now));
    }

    [TestMethod]
    public void RetryAfter_InSeconds_IsThatLong()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("Retry-After", "7");

        Assert.AreEqual(TimeSpan.FromSeconds(7), NeonRetryPolicy.RetryAfter(response.Headers, Now));
    }

    [TestMethod]
    public void RetryAfter_AsAnHttpDate_IsTheTimeUntilThen()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("Retry-After", "Thu, 16 Jan 2025 21:02:13 GMT");

        Assert.AreEqual(TimeSpan.FromSeconds(12), NeonRetryPolicy.RetryAfter(response.Headers, Now));
    }

    [TestMethod]
    public void RetryAfter_InThePast_IsZero()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("Retry-After", "Thu, 16 Jan 2025 21:00:00 GMT");

        Assert.AreEqual(TimeSpan.Zero, NeonRetryPolicy.RetryAfter(response.Headers, Now));
    }

    [TestMethod]
    public void RetryAfter_WithFractionalSeconds_IsReadToo()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("Retry-After", "1.5");

        Assert.AreEqual(TimeSpan.FromSeconds(1.5), NeonRetryPolicy.RetryAfter(response.Headers, Now));
    }

    [TestMethod]
    [DataRow(null)]
    [DataRow("soon")]
    [DataRow("")]
    public void RetryAfter_MissingOrUnreadable_IsNull(string? value)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        if (value is not null)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", value);
        }

        Assert.IsNull(NeonRetryPolicy.RetryAfter(response.Headers, Now));
    }

    private static string? Reason(HttpResponseMessage response) =>
        NeonRetryPolicy.TransientReason(Outcome.FromResult(response), callerCancelled: false, MaxRetryAfter, Now);
}
