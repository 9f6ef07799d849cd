using System.Net;
using Anthropic.Exceptions;
using Intercom.AiCompliance.Providers;

namespace Intercom.AiCompliance.Anthropic.Tests.Providers;

/// <summary>The core's default classifier against the exception types the real Anthropic SDK throws.</summary>
public class ProviderFailureClassifierAnthropicTests
{
    private static T Api<T>(T exception) where T : AnthropicApiException => exception;

    public static IEnumerable<TestCaseData> ApiExceptions()
    {
        yield return new TestCaseData(Api(new AnthropicRateLimitException { StatusCode = (HttpStatusCode)429, ResponseBody = "{}" }), ProviderFailureKind.RateLimited, 429).SetName("RateLimit429");
        yield return new TestCaseData(Api(new AnthropicOverloadedException { StatusCode = (HttpStatusCode)529, ResponseBody = "{}" }), ProviderFailureKind.ServerError, 529).SetName("Overloaded529");
        yield return new TestCaseData(Api(new Anthropic5xxException { StatusCode = HttpStatusCode.InternalServerError, ResponseBody = "{}" }), ProviderFailureKind.ServerError, 500).SetName("Internal500");
        yield return new TestCaseData(Api(new AnthropicServiceUnavailableException { StatusCode = HttpStatusCode.ServiceUnavailable, ResponseBody = "{}" }), ProviderFailureKind.ServerError, 503).SetName("Unavailable503");
        yield return new TestCaseData(Api(new AnthropicUnauthorizedException { StatusCode = HttpStatusCode.Unauthorized, ResponseBody = "{}" }), ProviderFailureKind.Authentication, 401).SetName("Unauthorized401");
        yield return new TestCaseData(Api(new AnthropicForbiddenException { StatusCode = HttpStatusCode.Forbidden, ResponseBody = "{}" }), ProviderFailureKind.Authentication, 403).SetName("Forbidden403");
        yield return new TestCaseData(Api(new AnthropicBadRequestException { StatusCode = HttpStatusCode.BadRequest, ResponseBody = "{}" }), ProviderFailureKind.BadRequest, 400).SetName("BadRequest400");
        yield return new TestCaseData(Api(new AnthropicRequestTimeoutException { StatusCode = HttpStatusCode.RequestTimeout, ResponseBody = "{}" }), ProviderFailureKind.Timeout, 408).SetName("Timeout408");
    }

    [TestCaseSource(nameof(ApiExceptions))]
    public void Classify_SdkApiException_ByItsStatus(AnthropicApiException exception, ProviderFailureKind kind, int status)
    {
        var failure = ProviderFailureClassifier.Default.Classify(exception);

        (failure.Kind, failure.StatusCode).Should().Be((kind, status));
    }

    [Test]
    public void Classify_SdkRateLimitWithTheCapturedRetryAfter_WaitsThatLong()
    {
        var exception = new AnthropicRateLimitException { StatusCode = (HttpStatusCode)429, ResponseBody = "{}" };
        exception.Data[ProviderFailureClassifier.RetryAfterDataKey] = TimeSpan.FromSeconds(7);

        var failure = ProviderFailureClassifier.Default.Classify(exception);

        failure.Should().Be(new ProviderFailure(ProviderFailureKind.RateLimited, 429, TimeSpan.FromSeconds(7)));
    }

    [TestCase("overloaded_error", ProviderFailureKind.ServerError)]
    [TestCase("api_error", ProviderFailureKind.ServerError)]
    [TestCase("rate_limit_error", ProviderFailureKind.RateLimited)]
    [TestCase("timeout_error", ProviderFailureKind.Timeout)]
    [TestCase("authentication_error", ProviderFailureKind.Authentication)]
    [TestCase("invalid_request_error", ProviderFailureKind.BadRequest)]
    public void Classify_SdkStreamErrorEventWithoutStatus_ByItsErrorType(string type, ProviderFailureKind kind)
    {
        // What the SDK builds from an `error` event inside a stream: the event's body, no status.
        var exception = new AnthropicSseException("SSE error returned from server")
        {
            Body = System.Text.Json.JsonDocument.Parse("{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"it said something\"}}").RootElement.Clone(),
        };

        var failure = ProviderFailureClassifier.Default.Classify(exception);

        failure.Kind.Should().Be(kind);
        failure.StatusCode.Should().BeNull();
    }

    [Test]
    public void Classify_SdkIOException_IsAConnectionFailure() =>
        ProviderFailureClassifier.Default.Classify(new AnthropicIOException("I/O exception", new HttpRequestException("reset")))
            .Kind.Should().Be(ProviderFailureKind.ConnectionFailure);

    [Test]
    public void Classify_SdkTimeout_IsATimeout() =>
        ProviderFailureClassifier.Default.Classify(new TaskCanceledException("timed out", new TimeoutException()))
            .Kind.Should().Be(ProviderFailureKind.Timeout);
}
