using System.Net;
using Intercom.AiCompliance.Providers;

namespace Intercom.AiCompliance.Tests.Providers;

public class ProviderFailureClassifierTests
{
    private static ProviderFailure Classify(Exception ex) => ProviderFailureClassifier.Default.Classify(ex);

    [TestCase(HttpStatusCode.ServiceUnavailable, ProviderFailureKind.ServerError)]
    [TestCase(HttpStatusCode.TooManyRequests, ProviderFailureKind.RateLimited)]
    [TestCase(HttpStatusCode.Unauthorized, ProviderFailureKind.Authentication)]
    [TestCase(HttpStatusCode.BadRequest, ProviderFailureKind.BadRequest)]
    [TestCase(HttpStatusCode.RequestTimeout, ProviderFailureKind.Timeout)]
    public void Classify_HttpRequestExceptionWithStatus_UsesTheStatus(HttpStatusCode status, ProviderFailureKind kind)
    {
        var result = Classify(new HttpRequestException("x", null, status));
        result.Kind.Should().Be(kind);
        result.StatusCode.Should().Be((int)status);
    }

    [Test]
    public void Classify_HttpRequestExceptionWithoutStatus_IsATransientConnectionFailure()
    {
        var result = Classify(new HttpRequestException("connection refused"));
        result.Kind.Should().Be(ProviderFailureKind.ConnectionFailure);
        result.IsTransient.Should().BeTrue();
    }

    [Test]
    public void Classify_ClientSideTimeouts_AreTransientTimeouts()
    {
        Classify(new TaskCanceledException("HttpClient.Timeout", new TimeoutException())).Kind.Should().Be(ProviderFailureKind.Timeout);
        Classify(new TimeoutException()).IsTransient.Should().BeTrue();
    }

    [Test]
    public void Classify_SdkExceptionWithAStatusProperty_UsesTheStatus()
    {
        // The shape of the Anthropic SDK's and other SDKs' API exceptions: a status code property.
        Classify(new SdkApiException(529)).Kind.Should().Be(ProviderFailureKind.ServerError);
        Classify(new SdkApiException(429)).Kind.Should().Be(ProviderFailureKind.RateLimited);
    }

    [Test]
    public void Classify_SdkExceptionWithAStatusAndAWaitInItsData_KeepsTheWait()
    {
        // SDKs whose exceptions carry no headers (the Anthropic SDK's): a client puts the response's Retry-After in Data.
        var exception = new SdkApiException(429);
        exception.Data[ProviderFailureClassifier.RetryAfterDataKey] = TimeSpan.FromSeconds(4);

        Classify(exception).Should().Be(new ProviderFailure(ProviderFailureKind.RateLimited, 429, TimeSpan.FromSeconds(4)));
    }

    [Test]
    public void Classify_WaitInDataThatIsNotATimeSpan_IsIgnored()
    {
        var exception = new SdkApiException(429);
        exception.Data[ProviderFailureClassifier.RetryAfterDataKey] = "4";

        Classify(exception).RetryAfter.Should().BeNull();
    }

    [Test]
    public void Classify_UnknownException_IsUnknownAndStopsTheRequest()
    {
        var result = Classify(new InvalidOperationException());
        result.Kind.Should().BeNull();
        result.IsTransient.Should().BeFalse();
    }

    [Test]
    public void Classify_ProviderException_KeepsItsKindStatusAndRetryAfter()
    {
        Classify(new ProviderException(ProviderFailureKind.RateLimited, "x", 429, TimeSpan.FromSeconds(3)))
            .Should().Be(new ProviderFailure(ProviderFailureKind.RateLimited, 429, TimeSpan.FromSeconds(3)));
    }

    private sealed class SdkApiException(int status) : Exception("api error")
    {
        public HttpStatusCode StatusCode { get; } = (HttpStatusCode)status;
    }
}
