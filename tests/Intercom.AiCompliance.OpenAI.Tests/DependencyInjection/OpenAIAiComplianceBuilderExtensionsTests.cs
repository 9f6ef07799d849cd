using System.Text.Json;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.OpenAI.Tests.Helpers;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Intercom.AiCompliance.OpenAI.Tests.DependencyInjection;

/// <summary>
/// AddOpenAIClients against a Kestrel fake of the OpenAI API: what the official SDK really sends, and how each documented
/// answer ends in the router (served, waited, failed over inside the plan, stopped, refused).
/// </summary>
[CancelAfter(60_000)]
public class OpenAIAiComplianceBuilderExtensionsTests
{
    private static Reply ByDeployment(WireRequest r, Func<WireRequest, Reply> a, Func<WireRequest, Reply>? b = null) =>
        r.Path.StartsWith("/a/", StringComparison.Ordinal) ? a(r) : (b ?? (_ => FakeOpenAIServer.Completion("model-b")))(r);

    [Test]
    public async Task SendAsync_Success_SdkSendsModelToolsAndResponseFormatToTheDeploymentsEndpointAndServes(CancellationToken ct)
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => FakeOpenAIServer.Completion("model-a"));
        await using var host = new OpenAIHost(server);
        var options = new ChatOptions
        {
            ModelId = "caller-chosen-model",
            Tools = [AIFunctionFactory.Create((string city) => "sunny", "get_weather", "Weather for a city")],
            ResponseFormat = ChatResponseFormat.Json,
        };

        var response = await host.Router.SendAsync(OpenAIHost.Chat(options), ct);

        response.ServedBy.Id.Should().Be("a");
        response.ServedByClient.Should().Be("OpenAIChatClient", "the OpenAI SDK's own M.E.AI client serves the deployment");
        response.Simulated.Should().BeFalse();
        var chat = ((ChatOutput)response.Output).Response;
        chat.Text.Should().Be("Reset it from Settings.");
        chat.Usage!.InputTokenCount.Should().Be(12);
        chat.Usage.OutputTokenCount.Should().Be(5);
        host.Sink.Outcomes().Single().InputTokens.Should().Be(12);
        host.Sink.Outcomes().Single().Outcome.Should().Be(AuditOutcome.Succeeded);

        var wire = server.Requests.Single();
        wire.Path.Should().Be("/a/v1/chat/completions");
        wire.Authorization.Should().Be("Bearer " + OpenAIHost.ApiKey);
        var body = wire.Json;
        body.GetProperty("model").GetString().Should().Be("model-a", "the plan's deployment decides the model, not the caller");
        body.GetProperty("tools")[0].GetProperty("type").GetString().Should().Be("function");
        body.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString().Should().Be("get_weather");
        body.GetProperty("response_format").GetProperty("type").GetString().Should().Be("json_object");
        (body.TryGetProperty("stream", out var stream) && stream.GetBoolean()).Should().BeFalse();
    }

    [Test]
    public async Task StreamingThroughTheRouter_SseAnswer_SdkAsksForAStreamAndTheTextArrives(CancellationToken ct)
    {
        const string sse = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"model-a\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n"
            + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"model-a\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n"
            + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"model-a\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}\n\n"
            + "data: [DONE]\n\n";
        await using var server = await FakeOpenAIServer.StartAsync(_ => new Reply(200, sse, "text/event-stream"));
        await using var host = new OpenAIHost(server);
        var view = host.Router.AsChatClient(new ComplianceContext { WorkspaceId = "ws-1", Product = Intercom.AiCompliance.Workspaces.AiProduct.FinAiAgent, Purpose = Intercom.AiCompliance.Workspaces.Purpose.AnsweringEndUser });

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in view.GetStreamingResponseAsync("hi", cancellationToken: ct))
        {
            updates.Add(u);
        }

        updates.ToChatResponse().Text.Should().Be("Hello");
        host.Sink.Outcomes().Single().Outcome.Should().Be(AuditOutcome.Succeeded);
        var wire = server.Requests.Single();
        wire.Path.Should().Be("/a/v1/chat/completions");
        wire.Json.GetProperty("stream").GetBoolean().Should().BeTrue();
    }

    [Test]
    public async Task SendAsync_429WithRetryAfter_WaitsTheProvidersDelayThenRetriesTheSameDeployment(CancellationToken ct)
    {
        var calls = 0;
        await using var server = await FakeOpenAIServer.StartAsync(r => ByDeployment(r, _ => Interlocked.Increment(ref calls) == 1
            ? FakeOpenAIServer.Error(429, "requests", "rate_limit_exceeded", headers: new Dictionary<string, string> { ["Retry-After"] = "2" })
            : FakeOpenAIServer.Completion("model-a")));
        await using var host = new OpenAIHost(server, maxRetryAttempts: 2);

        var send = host.Router.SendAsync(OpenAIHost.Chat(), ct);
        await Wait.Until(() => host.Clock.PendingDueIn.Contains(TimeSpan.FromSeconds(2)), "the router waits the Retry-After the SDK's 429 carried");
        send.IsCompleted.Should().BeFalse("the SDK itself must not retry: the router waits");
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        var response = await send;

        response.ServedBy.Id.Should().Be("a");
        response.Attempts.Select(a => (a.DeploymentId, a.Failure, a.StatusCode)).Should().Equal(("a", ProviderFailureKind.RateLimited, 429), ("a", null, null));
        server.Requests.Select(r => r.Path).Should().Equal("/a/v1/chat/completions", "/a/v1/chat/completions");
    }

    [Test]
    public async Task SendAsync_503_FailsOverToTheNextDeploymentOfThePlanWithoutSdkRetries(CancellationToken ct)
    {
        await using var server = await FakeOpenAIServer.StartAsync(r => ByDeployment(r, _ => FakeOpenAIServer.Error(503, "server_error", message: "The engine is currently overloaded")));
        await using var host = new OpenAIHost(server);

        var response = await host.Router.SendAsync(OpenAIHost.Chat(), ct);

        response.ServedBy.Id.Should().Be("b");
        response.Attempts.Select(a => (a.DeploymentId, a.Outcome, a.Failure, a.StatusCode))
            .Should().Equal(("a", AttemptOutcome.TransientFailure, ProviderFailureKind.ServerError, 503), ("b", AttemptOutcome.Succeeded, null, null));
        server.Requests.Select(r => r.Path).Should().Equal(["/a/v1/chat/completions", "/b/v1/chat/completions"], "one call per attempt: the SDK's own retries are off");
        server.Requests.Last().Json.GetProperty("model").GetString().Should().Be("model-b");
    }

    [Test]
    public async Task SendAsync_401_StopsWithoutTryingAnotherDeployment(CancellationToken ct)
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => FakeOpenAIServer.Error(401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided."));
        await using var host = new OpenAIHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(OpenAIHost.Chat(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        error.Reason.Should().Be(AllCandidatesFailedException.PermanentError);
        error.LastFailure!.Kind.Should().Be(ProviderFailureKind.Authentication);
        error.LastFailure.StatusCode.Should().Be(401);
        server.Requests.Should().ContainSingle("wrong credentials are not a reason to send the data to another deployment");
    }

    [Test]
    public async Task SendAsync_ContentFilter400_IsARefusalThatIsNotRoutedAround(CancellationToken ct)
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ =>
            FakeOpenAIServer.Error(400, "invalid_request_error", "content_filter", "The response was filtered: it quoted the user's words"));
        await using var host = new OpenAIHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(OpenAIHost.Chat(), ct)).Should().ThrowAsync<ProviderRefusalException>()).Which;

        error.DeploymentId.Should().Be("a");
        error.Failure.Kind.Should().Be(ProviderFailureKind.ContentPolicyRefusal);
        error.ToString().Should().NotContain("quoted");
        server.Requests.Should().ContainSingle("a refusal is never sent to another deployment");
        host.Sink.Outcomes().Single().Outcome.Should().NotBe(AuditOutcome.Succeeded);
    }

    [Test]
    public async Task SendAsync_MalformedSuccessBody_StopsWithoutServingOrTryingAnotherDeployment(CancellationToken ct)
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => new Reply(200, "{\"id\":\"chatcmpl-1\",\"choices\":[{\"mess"));
        await using var host = new OpenAIHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(OpenAIHost.Chat(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        error.Reason.Should().Be(AllCandidatesFailedException.PermanentError, "an answer nobody can read is never passed off as served");
        server.Requests.Should().ContainSingle();
        host.Sink.Outcomes().Single().Outcome.Should().NotBe(AuditOutcome.Succeeded);
    }

    [Test]
    public async Task SendAsync_NoCompliantOpenAIDeployment_IsRefusedBeforeAnythingIsSent(CancellationToken ct)
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => FakeOpenAIServer.Completion("model-a"));
        await using var host = new OpenAIHost(server, workspaceRegion: "EU");

        await FluentActions.Awaiting(() => host.Router.SendAsync(OpenAIHost.Chat(), ct)).Should().ThrowAsync<NoCompliantRouteException>();

        server.Requests.Should().BeEmpty("an EU workspace's data never reaches a US deployment");
    }

    [Test]
    public async Task SendAsync_Embeddings_SdkCallsTheEmbeddingsApiOfTheDeployment(CancellationToken ct)
    {
        const string embeddings = """{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.25,-0.5,1.0]}],"model":"model-a","usage":{"prompt_tokens":4,"total_tokens":4}}""";
        await using var server = await FakeOpenAIServer.StartAsync(_ => new Reply(200, embeddings));
        await using var host = new OpenAIHost(server);
        var request = OpenAIHost.Chat() with { Payload = new EmbeddingPayload(["reset password"]) };

        var response = await host.Router.SendAsync(request, ct);

        ((EmbeddingOutput)response.Output).Vectors.Single().ToArray().Should().Equal(0.25f, -0.5f, 1.0f);
        var wire = server.Requests.Single();
        wire.Path.Should().Be("/a/v1/embeddings");
        wire.Json.GetProperty("model").GetString().Should().Be("model-a");
        wire.Json.GetProperty("input")[0].GetString().Should().Be("reset password");
    }

    [Test]
    public async Task SendAsync_Transcription_SdkPostsTheAudioToTheTranscriptionsApiOfTheDeployment(CancellationToken ct)
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => new Reply(200, """{"text":"reset my password"}"""));
        await using var host = new OpenAIHost(server, capabilities: ["Transcription"]);
        var request = OpenAIHost.Chat() with { Payload = new TranscriptionPayload(new byte[] { 1, 2, 3, 4 }) };

        var response = await host.Router.SendAsync(request, ct);

        ((TranscriptOutput)response.Output).Text.Should().Be("reset my password");
        var wire = server.Requests.Single();
        wire.Path.Should().Be("/a/v1/audio/transcriptions");
        wire.ContentType.Should().StartWith("multipart/form-data");
        wire.Body.Should().Contain("model-a");
    }

    [Test]
    public async Task SendAsync_SpeechSynthesis_SdkCallsTheSpeechApiAndReturnsTheAudio(CancellationToken ct)
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => new Reply(200, "ID3-fake-mp3", "audio/mpeg"));
        await using var host = new OpenAIHost(server, capabilities: ["SpeechSynthesis"]);
        var request = OpenAIHost.Chat() with { Payload = new SpeechSynthesisPayload("Your password was reset.") };

        var response = await host.Router.SendAsync(request, ct);

        System.Text.Encoding.UTF8.GetString(((SpeechOutput)response.Output).Audio.ToArray()).Should().Be("ID3-fake-mp3");
        var wire = server.Requests.Single();
        wire.Path.Should().Be("/a/v1/audio/speech");
        wire.Json.GetProperty("model").GetString().Should().Be("model-a");
        wire.Json.GetProperty("input").GetString().Should().Be("Your password was reset.");
    }

    [Test]
    public async Task AddOpenAIClients_HostHandlerOnTheDeploymentsNamedHttpClient_SeesTheCalls(CancellationToken ct)
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => FakeOpenAIServer.Completion("model-a"));
        var seen = new RecordingHandler();
        await using var host = new OpenAIHost(server, host: s => s.AddHttpClient(OpenAIAiComplianceBuilderExtensions.HttpClientName("a")).AddHttpMessageHandler(() => seen));

        await host.Router.SendAsync(OpenAIHost.Chat(), ct);

        seen.Paths.Should().Equal(["/a/v1/chat/completions"], "calls go through IHttpClientFactory's client named for the deployment");
    }

    [Test]
    public async Task AddOpenAIClients_ApiKeyProvider_SendsThatDeploymentsKey(CancellationToken ct)
    {
        await using var server = await FakeOpenAIServer.StartAsync(r => ByDeployment(r, _ => FakeOpenAIServer.Error(503, "server_error")));
        await using var host = new OpenAIHost(server, configure: o =>
        {
            o.ApiKey = "sk-fallback";
            o.ApiKeyProvider = (_, d) => d.Id == "b" ? "sk-project-b" : null;
        });

        await host.Router.SendAsync(OpenAIHost.Chat(), ct);

        server.Requests.Select(r => r.Authorization).Should().Equal("Bearer sk-fallback", "Bearer sk-project-b");
    }

    [Test]
    public async Task BuildingTheRouter_NoApiKey_FailsNamingTheDeploymentNotAKey()
    {
        await using var server = await FakeOpenAIServer.StartAsync(_ => FakeOpenAIServer.Completion("model-a"));

        var build = () => new OpenAIHost(server, configure: _ => { });

        build.Should().Throw<InvalidOperationException>().Which.ToString().Should().Contain("'a'").And.Contain("ApiKey");
        server.Requests.Should().BeEmpty();
    }

    [TestCase("https://eu.api.openai.com", "https://eu.api.openai.com/v1")]
    [TestCase("https://eu.api.openai.com/", "https://eu.api.openai.com/v1")]
    [TestCase("https://eu.api.openai.com/v1", "https://eu.api.openai.com/v1")]
    [TestCase("https://api.openai.com/v1/", "https://api.openai.com/v1")]
    [TestCase("http://127.0.0.1:5000/a/v1", "http://127.0.0.1:5000/a/v1")]
    public void EndpointOf_CatalogueEndpoint_IsTheSdksBaseAddress(string endpoint, string expected) =>
        OpenAIDeploymentClientFactory.EndpointOf(new ProviderDeployment { Id = "x", Endpoint = endpoint }).ToString().TrimEnd('/').Should().Be(expected);
}
