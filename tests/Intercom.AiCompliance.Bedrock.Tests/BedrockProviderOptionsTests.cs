using Intercom.AiCompliance.Bedrock.EventStream;
using Intercom.AiCompliance.Providers;

namespace Intercom.AiCompliance.Bedrock.Tests;

/// <summary>The options never show a secret, and the error classification keeps only the error type.</summary>
public class BedrockProviderOptionsTests
{
    [Test]
    public void ToString_WithEverySecretSet_ShowsOnlyThatEachIsSet()
    {
        var options = new BedrockProviderOptions { AccessKeyId = "AKIAEXAMPLEKEY", SecretAccessKey = "wJalrXUtnFEMIsecret", SessionToken = "FwoGZXIvYXdzEtoken", Profile = "prod" };

        var text = options.ToString();

        text.Should().NotContain("AKIAEXAMPLEKEY").And.NotContain("wJalrXUtnFEMIsecret").And.NotContain("FwoGZXIvYXdzEtoken");
        text.Should().Contain("SecretAccessKey = set (hidden)").And.Contain("Profile = prod");
    }

    [TestCase("ThrottlingException", ProviderFailureKind.RateLimited)]
    [TestCase("ServiceQuotaExceededException", ProviderFailureKind.RateLimited)]
    [TestCase("ModelNotReadyException", ProviderFailureKind.RateLimited)]
    [TestCase("ServiceUnavailableException", ProviderFailureKind.ServerError)]
    [TestCase("InternalServerException", ProviderFailureKind.ServerError)]
    [TestCase("ModelErrorException", ProviderFailureKind.ServerError)]
    [TestCase("ModelTimeoutException", ProviderFailureKind.Timeout)]
    [TestCase("AccessDeniedException", ProviderFailureKind.Authentication)]
    [TestCase("UnrecognizedClientException", ProviderFailureKind.Authentication)]
    [TestCase("ExpiredTokenException", ProviderFailureKind.Authentication)]
    [TestCase("ValidationException", ProviderFailureKind.BadRequest)]
    [TestCase("ResourceNotFoundException", ProviderFailureKind.BadRequest)]
    public void KindOf_AwsErrorType_IsTheRoutersFailureKind(string type, ProviderFailureKind kind) =>
        BedrockErrors.KindOf(type).Should().Be(kind);

    [Test]
    public void FromStreamEvent_UnknownExceptionType_StopsRatherThanGuessing() =>
        BedrockErrors.FromStreamEvent(new EventStreamMessage(
            [EventStreamHeader.String(":message-type", "exception"), EventStreamHeader.String(":exception-type", "brandNewException")], "{}"u8.ToArray()))
            .Kind.Should().Be(ProviderFailureKind.BadRequest);

    [Test]
    public void FromStreamEvent_ExceptionTypeHoldingText_KeepsNoneOfIt() =>
        BedrockErrors.FromStreamEvent(new EventStreamMessage(
            [EventStreamHeader.String(":message-type", "exception"), EventStreamHeader.String(":exception-type", "the user's words: card 4111")], "{}"u8.ToArray()))
            .Message.Should().NotContain("4111");
}
