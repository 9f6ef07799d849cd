using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Bedrock.Tests;

/// <summary>The region a deployment's requests are signed for is its endpoint's, and the model id is one encoded path segment.</summary>
public class BedrockEndpointTests
{
    private static ProviderDeployment Deployment(string endpoint, string model) => new() { Id = "x", Provider = ProviderKind.AwsBedrock, Endpoint = endpoint, Model = model };

    [TestCase("https://bedrock-runtime.eu-central-1.amazonaws.com", "eu-central-1")]
    [TestCase("https://bedrock-runtime-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1")]
    [TestCase("https://BEDROCK-RUNTIME.AP-SOUTHEAST-2.AMAZONAWS.COM/", "ap-southeast-2")]
    public void For_BedrockRuntimeHost_SignsForTheHostsRegionNotTheFallback(string endpoint, string region) =>
        BedrockEndpoint.For(Deployment(endpoint, "m"), new BedrockProviderOptions { SigningRegionForNonAwsHosts = "us-west-2" }).Region.Should().Be(region);

    [Test]
    public void For_LoopbackFake_SignsForTheConfiguredFallback() =>
        BedrockEndpoint.For(Deployment("http://127.0.0.1:5000/a", "m"), new BedrockProviderOptions { SigningRegionForNonAwsHosts = "eu-west-1" }).Region.Should().Be("eu-west-1");

    [Test]
    public void OperationUri_InferenceProfileArn_IsOneEncodedSegmentUnderTheEndpointPath()
    {
        var endpoint = BedrockEndpoint.For(Deployment("https://bedrock-runtime.eu-central-1.amazonaws.com",
            "arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0"), new BedrockProviderOptions());

        endpoint.OperationUri("converse-stream").AbsoluteUri.Should().Be(
            "https://bedrock-runtime.eu-central-1.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aeu-central-1%3A123456789012%3Ainference-profile%2Feu.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream");
    }

    [TestCase("amazon.titan-embed-text-v2:0", "Titan")]
    [TestCase("us.amazon.titan-embed-text-v2:0", "Titan")]
    [TestCase("cohere.embed-multilingual-v3", "Cohere")]
    [TestCase("arn:aws:bedrock:eu-central-1::foundation-model/cohere.embed-english-v3", "Cohere")]
    [TestCase("anthropic.claude-3-haiku-20240307-v1:0", null)]
    public void FamilyOf_EmbeddingModelIds_PicksTheNativeBody(string model, string? family)
    {
        var found = BedrockEmbeddingGenerator.FamilyOf(model)?.ToString();

        found.Should().Be(family);
    }
}
