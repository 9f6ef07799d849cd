using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Vertex.Tests;

/// <summary>The request address names the location the endpoint's host is in, so the path and the host never disagree.</summary>
public class VertexEndpointTests
{
    private static ProviderDeployment Deployment(string endpoint, string model = "gemini-2.5-pro") =>
        new() { Id = "v", Provider = ProviderKind.GoogleVertex, Model = model, Endpoint = endpoint };

    [TestCase("https://europe-west4-aiplatform.googleapis.com", "europe-west4", "https://europe-west4-aiplatform.googleapis.com/v1/projects/proj-1/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent")]
    [TestCase("https://us-central1-aiplatform.googleapis.com/", "us-central1", "https://us-central1-aiplatform.googleapis.com/v1/projects/proj-1/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent")]
    [TestCase("https://aiplatform.googleapis.com", "global", "https://aiplatform.googleapis.com/v1/projects/proj-1/locations/global/publishers/google/models/gemini-2.5-pro:generateContent")]
    public void For_GoogleHost_TakesTheLocationFromTheHost(string endpoint, string location, string expected)
    {
        var e = VertexEndpoint.For(Deployment(endpoint), "proj-1", nonGoogleLocation: "us-east5");

        e.Location.Should().Be(location, "the configured local location is only for loopback fakes");
        e.Method("generateContent").AbsoluteUri.Should().Be(expected);
    }

    [Test]
    public void For_StreamMethod_AddsAltSse() =>
        VertexEndpoint.For(Deployment("https://europe-west4-aiplatform.googleapis.com"), "proj-1", null).Method("streamGenerateContent", "alt=sse").AbsoluteUri
            .Should().EndWith("/models/gemini-2.5-pro:streamGenerateContent?alt=sse");

    [Test]
    public void For_HostOutsideGoogle_UsesTheConfiguredLocation() =>
        VertexEndpoint.For(Deployment("http://127.0.0.1:5000/a"), "proj-1", "europe-west4").Method("predict").AbsoluteUri
            .Should().Be("http://127.0.0.1:5000/a/v1/projects/proj-1/locations/europe-west4/publishers/google/models/gemini-2.5-pro:predict");

    [TestCase("https://vertex-proxy.example.com", "proj-1", "gemini")]
    [TestCase("http://127.0.0.1:5000", "proj-1", "gemini")]
    [TestCase("https://generativelanguage.googleapis.com", "proj-1", "gemini")]
    [TestCase("https://europe-west4-aiplatform.googleapis.com", "", "gemini")]
    [TestCase("https://europe-west4-aiplatform.googleapis.com", "proj/../x", "gemini")]
    [TestCase("https://europe-west4-aiplatform.googleapis.com", "proj-1", "../../models/other")]
    public void For_NoLocationProjectOrPlainModel_Throws(string endpoint, string project, string model) =>
        FluentActions.Invoking(() => VertexEndpoint.For(Deployment(endpoint, model), project, null)).Should().Throw<InvalidOperationException>().WithMessage("*'v'*");
}
