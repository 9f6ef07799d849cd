using Intercom.AiCompliance.Anthropic.Tests.Helpers;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Intercom.AiCompliance.Anthropic.Tests.DependencyInjection;

/// <summary>
/// AddAnthropicClients against a Kestrel fake of the Messages API: what Anthropic's official SDK really sends, and how each
/// documented answer ends in the router (served, waited, failed over inside the plan, stopped, refused).
/// </summary>
[CancelAfter(60_000)]
public class AnthropicAiComplianceBuilderExtensionsTests
{
    private static Reply ByDeployment(WireRequest r, Func<WireRequest, Reply> a, Func<WireRequest, Reply>? b = null) =>
        r.Path.StartsWith("/a/", StringComparison.Ordinal) ? a(r) : (b ?? (_ => FakeAnthropicServer.Message("model-b")))(r);

    [Test]
    public async Task SendAsync_Success_SdkPostsMessagesWithKeyVersionSystemToolsAndMaxTokensAndServes(CancellationToken ct)
    {
        await using var server = await FakeAnthropicServer.StartAsync(_ => FakeAnthropicServer.Message("model-a"));
        await using var host = new AnthropicHost(server);
        var options = new ChatOptions
        {
            ModelId = "caller-chosen-model",
            MaxOutputTokens = 300,
            Tools = [AIFunctionFactory.Create((string city) => "sunny", "get_weather", "Weather for a city")],
        };

        var response = await host.Router.SendAsync(AnthropicHost.Chat(options,
            new ChatMessage(ChatRole.System, "You are a support agent."), new ChatMessage(ChatRole.User, "How do I reset my password?")), ct);

        response.ServedBy.Id.Should().Be("a");
        response.ServedByClient.Should().Be(nameof(AnthropicSdkChatClient));
        response.Simulated.Should().BeFalse();
        var chat = ((ChatOutput)response.Output).Response;
        chat.Text.Should().Be("Reset it from Settings.");
        chat.ResponseId.Should().Be("msg_01");
        chat.FinishReason.Should().Be(ChatFinishReason.Stop);
        chat.Usage!.InputTokenCount.Should().Be(12);
        chat.Usage.OutputTokenCount.Should().Be(5);
        var record = host.Sink.Outcomes().Single();
        record.Outcome.Should().Be(AuditOutcome.Succeeded);
        (record.InputTokens, record.OutputTokens).Should().Be((12L, 5L));

        var wire = server.Requests.Single();
        (wire.Method, wire.Path).Should().Be(("POST", "/a/v1/messages"));
        // Anthropic SDK 13.x sends the API key as a bearer token (ClientOptions.ApiKey: "sent as Authorization: Bearer").
        wire.Authorization.Should().Be("Bearer " + AnthropicHost.ApiKey);
        wire.AnthropicVersion.Should().NotBeNullOrEmpty("every Messages API call names the API version");
        var body = wire.Json;
        body.GetProperty("model").GetString().Should().Be("model-a", "the plan's deployment decides the model, not the caller");
        body.GetProperty("max_tokens").GetInt32().Should().Be(300);
        body.GetProperty("system").ToString().Should().Contain("You are a support agent.", "a system message becomes the top-level system field");
        body.GetProperty("messages").GetArrayLength().Should().Be(1);
        body.GetProperty("messages")[0].GetProperty("role").GetString().Should().Be("user");
        body.GetProperty("tools")[0].GetProperty("name").GetString().Should().Be("get_weather");
        body.GetProperty("tools")[0].GetProperty("input_schema").GetProperty("properties").TryGetProperty("city", out _).Should().BeTrue();
        (body.TryGetProperty("stream", out var stream) && stream.GetBoolean()).Should().BeFalse();
    }

    [Test]
    public async Task SendAsync_NoMaxOutputTokens_SendsTheConfiguredDefault(CancellationToken ct)
    {
        await using var server = await FakeAnthropicServer.StartAsync(_ => FakeAnthropicServer.Message("model-a"));
        await using var host = new AnthropicHost(server, configure: o =>
        {
            o.ApiKey = AnthropicHost.ApiKey;
            o.DefaultMaxOutputTokens = 77;
        });

        await host.Router.SendAsync(AnthropicHost.Chat(), ct);

        server.Requests.Single().Json.GetProperty("max_tokens").GetInt32().Should().Be(77, "the Messages API requires max_tokens");
    }

    [Test]
    public async Task SendAsync_ToolUseAnswer_ComesBackAsAFunctionCall(CancellationToken ct)
    {
        await using var server = await FakeAnthropicServer.StartAsync(_ => FakeAnthropicServer.ToolUse("model-a"));
        await using var host = new AnthropicHost(server);

        var response = await host.Router.SendAsync(AnthropicHost.Chat(new ChatOptions { Tools = [AIFunctionFactory.Create((string city) => "sunny", "get_weather")] }), ct);

        var call = ((ChatOutput)response.Output).Response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single();
        (call.CallId, call.Name, call.Arguments!["city"]?.ToString()).Should().Be(("toolu_01", "get_weather", "Dublin"));
        ((ChatOutput)response.Output).Response.FinishReason.Should().Be(ChatFinishReason.ToolCalls);
    }

    [Test]
    public async Task StreamingThroughTheRouter_SseAnswer_SdkAsksForAStreamAndTheTextAndUsageArrive(CancellationToken ct)
    {
        await using var server = await FakeAnthropicServer.StartAsync(_ => FakeAnthropicServer.Stream("model-a", "Hel", "lo"));
        await using var host = new AnthropicHost(server);
        var view = host.Router.AsChatClient(AnthropicHost.Context);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in view.GetStreamingResponseAsync("hi", cancellationToken: ct))
        {
            updates.Add(u);
        }

        var answer = updates.ToChatResponse();
        answer.Text.Should().Be("Hello");
        answer.FinishReason.Should().Be(ChatFinishReason.Stop);
        updates[0].AdditionalProperties![ProviderRouterClientExtensions.DeploymentProperty].Should().Be("a");
        var record = host.Sink.Outcomes().Single();
        record.Outcome.Should().Be(AuditOutcome.Succeeded);
        record.ServedBy.Should().Be("a");
        record.InputTokens.Should().Be(9);
        var wire = server.Requests.Single();
        wire.Path.Should().Be("/a/v1/messages");
        wire.Json.GetProperty("stream").GetBoolean().Should().BeTrue();
    }

    [Test]
    public async Task Streaming_ErrorEventAfterTheFirstText_EndsTypedAndPartialWithoutFailover(CancellationToken ct)
    {
        var sse = FakeAnthropicServer.StreamEvents("model-a", ["Hel"], end: false)
            + FakeAnthropicServer.Event("error", new { type = "error", error = new { type = "overloaded_error", message = "Overloaded" } });
        await using var server = await FakeAnthropicServer.StartAsync(r => ByDeployment(r, _ => new Reply(200, sse, "text/event-stream")));
        await using var host = new AnthropicHost(server);
        var view = host.Router.AsChatClient(AnthropicHost.Context);

        var text = "";
        var read = async () =>
        {
            await foreach (var u in view.GetStreamingResponseAsync("hi", cancellationToken: ct))
            {
                text += u.Text;
            }
        };

        var error = (await read.Should().ThrowAsync<StreamInterruptedException>()).Which;
        text.Should().Be("Hel");
        error.Reason.Should().Be(StreamInterruptedException.ProviderFailed);
        error.DeploymentId.Should().Be("a");
        error.CharactersDelivered.Should().Be(3);
        error.Failure!.Kind.Should().Be(ProviderFailureKind.ServerError, "Anthropic's overloaded_error event is read by its error type");
        error.ToString().Should().NotContain("Overloaded");
        server.Requests.Should().ContainSingle("nothing is failed over once text has reached the caller");
        host.Sink.Outcomes().Single().Outcome.Should().Be(AuditOutcome.Partial);
    }

    [Test]
    public async Task Streaming_OverloadedBeforeAnyUpdate_FailsOverToTheNextDeployment(CancellationToken ct)
    {
        await using var server = await FakeAnthropicServer.StartAsync(r => ByDeployment(r,
            _ => FakeAnthropicServer.Error(529, "overloaded_error", "Overloaded"), _ => FakeAnthropicServer.Stream("model-b", "Hi")));
        await using var host = new AnthropicHost(server);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in host.Router.AsChatClient(AnthropicHost.Context).GetStreamingResponseAsync("hi", cancellationToken: ct))
        {
            updates.Add(u);
        }

        updates.ToChatResponse().Text.Should().Be("Hi");
        server.Requests.Select(r => r.Path).Should().Equal("/a/v1/messages", "/b/v1/messages");
        host.Sink.Outcomes().Single().ServedBy.Should().Be("b");
    }

    [Test]
    public async Task Streaming_ErrorEventBeforeAnyUpdate_FailsOverToTheNextDeployment(CancellationToken ct)
    {
        var overloaded = FakeAnthropicServer.Event("error", new { type = "error", error = new { type = "overloaded_error", message = "Overloaded" } });
        await using var server = await FakeAnthropicServer.StartAsync(r => ByDeployment(r,
            _ => new Reply(200, overloaded, "text/event-stream"), _ => FakeAnthropicServer.Stream("model-b", "Hi")));
        await using var host = new AnthropicHost(server);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in host.Router.AsChatClient(AnthropicHost.Context).GetStreamingResponseAsync("hi", cancellationToken: ct))
        {
            updates.Add(u);
        }

        updates.ToChatResponse().Text.Should().Be("Hi");
        var record = host.Sink.Outcomes().Single();
        record.ServedBy.Should().Be("b");
        record.Attempts.Select(a => (a.DeploymentId, a.Outcome, a.Failure)).Should().Equal(("a", "TransientFailure", "ServerError"), ("b", "Succeeded", null));
    }

    [Test]
    public async Task SendAsync_429WithRetryAfter_WaitsTheProvidersDelayOnTheClockThenRetriesTheSameDeployment(CancellationToken ct)
    {
        var calls = 0;
        await using var server = await FakeAnthropicServer.StartAsync(r => ByDeployment(r, _ => Interlocked.Increment(ref calls) == 1
            ? FakeAnthropicServer.Error(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", new Dictionary<string, string> { ["retry-after"] = "2" })
            : FakeAnthropicServer.Message("model-a")));
        await using var host = new AnthropicHost(server, maxRetryAttempts: 2);

        var send = host.Router.SendAsync(AnthropicHost.Chat(), ct);
        await Wait.Until(() => host.Clock.PendingDueIn.Contains(TimeSpan.FromSeconds(2)), "the router waits the retry-after of Anthropic's 429");
        send.IsCompleted.Should().BeFalse("the SDK itself must not retry: the router waits");
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        var response = await send;

        response.ServedBy.Id.Should().Be("a");
        response.Attempts.Select(a => (a.DeploymentId, a.Failure, a.StatusCode)).Should().Equal(("a", ProviderFailureKind.RateLimited, 429), ("a", null, null));
        response.Attempts[0].ExceptionType.Should().Be("AnthropicRateLimitException", "the router classified the SDK's own exception");
        server.Requests.Select(r => r.Path).Should().Equal("/a/v1/messages", "/a/v1/messages");
    }

    [TestCase(500, "api_error")]
    [TestCase(529, "overloaded_error")]
    [TestCase(503, "api_error")]
    public async Task SendAsync_ServerErrorOrOverloaded_FailsOverToTheNextDeploymentOfThePlanWithoutSdkRetries(int status, string type)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var server = await FakeAnthropicServer.StartAsync(r => ByDeployment(r, _ => FakeAnthropicServer.Error(status, type, "Overloaded")));
        await using var host = new AnthropicHost(server);

        var response = await host.Router.SendAsync(AnthropicHost.Chat(), cts.Token);

        response.ServedBy.Id.Should().Be("b");
        response.Attempts.Select(a => (a.DeploymentId, a.Outcome, a.Failure, a.StatusCode))
            .Should().Equal(("a", AttemptOutcome.TransientFailure, ProviderFailureKind.ServerError, status), ("b", AttemptOutcome.Succeeded, null, null));
        server.Requests.Select(r => r.Path).Should().Equal(["/a/v1/messages", "/b/v1/messages"], "one call per attempt: the SDK's own retries are off");
        server.Requests.Last().Json.GetProperty("model").GetString().Should().Be("model-b");
    }

    [Test]
    public async Task SendAsync_401_StopsWithoutTryingAnotherDeployment(CancellationToken ct)
    {
        await using var server = await FakeAnthropicServer.StartAsync(_ => FakeAnthropicServer.Error(401, "authentication_error", "invalid x-api-key"));
        await using var host = new AnthropicHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(AnthropicHost.Chat(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        error.Reason.Should().Be(AllCandidatesFailedException.PermanentError);
        error.LastFailure!.Kind.Should().Be(ProviderFailureKind.Authentication);
        error.LastFailure.StatusCode.Should().Be(401);
        server.Requests.Should().ContainSingle("wrong credentials are not a reason to send the data to another deployment");
        host.Sink.Outcomes().Single().Outcome.Should().Be(AuditOutcome.AllCandidatesFailed);
    }

    [Test]
    public async Task SendAsync_MalformedSuccessBody_StopsWithoutServingOrTryingAnotherDeployment(CancellationToken ct)
    {
        await using var server = await FakeAnthropicServer.StartAsync(_ => new Reply(200, "{\"id\":\"msg_01\",\"type\":\"message\",\"content\":[{\"ty"));
        await using var host = new AnthropicHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(AnthropicHost.Chat(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        error.Reason.Should().Be(AllCandidatesFailedException.PermanentError, "an answer nobody can read is never passed off as served");
        server.Requests.Should().ContainSingle();
        host.Sink.Outcomes().Single().Outcome.Should().NotBe(AuditOutcome.Succeeded);
    }

    [Test]
    public async Task SendAsync_ClaudeRefusesTheRequest_IsServedAsItsContentFilterAnswerAndNeverRoutedAround(CancellationToken ct)
    {
        // Anthropic reports a policy refusal as a 200 whose stop_reason is "refusal".
        await using var server = await FakeAnthropicServer.StartAsync(_ => new Reply(200,
            """{"id":"msg_04","type":"message","role":"assistant","model":"model-a","content":[],"stop_reason":"refusal","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":0}}"""));
        await using var host = new AnthropicHost(server);

        var response = await host.Router.SendAsync(AnthropicHost.Chat(), ct);

        ((ChatOutput)response.Output).Response.FinishReason.Should().Be(ChatFinishReason.ContentFilter);
        response.ServedBy.Id.Should().Be("a");
        server.Requests.Should().ContainSingle("a refusal is the provider's answer, not a reason to try another deployment");
    }

    [Test]
    public async Task SendAsync_NoCompliantAnthropicDeployment_IsRefusedBeforeAnythingIsSent(CancellationToken ct)
    {
        await using var server = await FakeAnthropicServer.StartAsync(_ => FakeAnthropicServer.Message("model-a"));
        await using var host = new AnthropicHost(server, workspaceRegion: "EU");

        await FluentActions.Awaiting(() => host.Router.SendAsync(AnthropicHost.Chat(), ct)).Should().ThrowAsync<NoCompliantRouteException>();

        server.Requests.Should().BeEmpty("an EU workspace's data never reaches Anthropic's US-processed API");
        host.Sink.Outcomes().Single().Outcome.Should().Be(AuditOutcome.NoCompliantRoute);
    }

    [Test]
    public async Task AddAnthropicClients_HostHandlerOnTheDeploymentsNamedHttpClient_SeesTheCalls(CancellationToken ct)
    {
        await using var server = await FakeAnthropicServer.StartAsync(_ => FakeAnthropicServer.Message("model-a"));
        var seen = new RecordingHandler();
        await using var host = new AnthropicHost(server, host: s => s.AddHttpClient(AnthropicAiComplianceBuilderExtensions.HttpClientName("a")).AddHttpMessageHandler(() => seen));

        await host.Router.SendAsync(AnthropicHost.Chat(), ct);

        seen.Paths.Should().Equal(["/a/v1/messages"], "calls go through IHttpClientFactory's client named for the deployment");
    }

    [Test]
    public async Task AddAnthropicClients_ApiKeyProvider_SendsThatDeploymentsKey(CancellationToken ct)
    {
        await using var server = await FakeAnthropicServer.StartAsync(r => ByDeployment(r, _ => FakeAnthropicServer.Error(500, "api_error")));
        await using var host = new AnthropicHost(server, configure: o =>
        {
            o.ApiKey = "sk-ant-fallback";
            o.ApiKeyProvider = (_, d) => d.Id == "b" ? "sk-ant-workspace-b" : null;
        });

        await host.Router.SendAsync(AnthropicHost.Chat(), ct);

        server.Requests.Select(r => r.Authorization).Should().Equal("Bearer sk-ant-fallback", "Bearer sk-ant-workspace-b");
    }

    [Test]
    public async Task AddAnthropicClients_FromTheSection_ReadsKeyTimeoutAndOutputLimit(CancellationToken ct)
    {
        await using var server = await FakeAnthropicServer.StartAsync(_ => FakeAnthropicServer.Message("model-a"));
        await using var host = new AnthropicHost(server, anthropicSection:
        [
            ("AiComplianceAnthropic:ApiKey", "sk-ant-from-config"),
            ("AiComplianceAnthropic:NetworkTimeout", "00:00:30"),
            ("AiComplianceAnthropic:DefaultMaxOutputTokens", "512"),
        ]);

        await host.Router.SendAsync(AnthropicHost.Chat(), ct);

        var wire = server.Requests.Single();
        wire.Authorization.Should().Be("Bearer sk-ant-from-config");
        wire.Json.GetProperty("max_tokens").GetInt32().Should().Be(512);
    }

    [Test]
    public async Task BuildingTheRouter_UnknownKeyInTheSection_FailsNamingTheKeyNotTheSecret()
    {
        await using var server = await FakeAnthropicServer.StartAsync(_ => FakeAnthropicServer.Message("model-a"));

        var build = () => new AnthropicHost(server, anthropicSection: [("AiComplianceAnthropic:ApiKey", AnthropicHost.ApiKey), ("AiComplianceAnthropic:ApiKee", "x")]);

        build.Should().Throw<InvalidOperationException>().Which.ToString().Should().Contain("ApiKee").And.NotContain(AnthropicHost.ApiKey[10..]);
        server.Requests.Should().BeEmpty();
    }

    [Test]
    public async Task BuildingTheRouter_NoApiKey_FailsNamingTheDeploymentNotAKey()
    {
        await using var server = await FakeAnthropicServer.StartAsync(_ => FakeAnthropicServer.Message("model-a"));

        var build = () => new AnthropicHost(server, configure: _ => { });

        build.Should().Throw<InvalidOperationException>().Which.ToString().Should().Contain("'a'").And.Contain("ApiKey");
        server.Requests.Should().BeEmpty();
    }

    [TestCase("https://api.anthropic.com", "https://api.anthropic.com")]
    [TestCase("https://api.anthropic.com/", "https://api.anthropic.com")]
    [TestCase("https://api.anthropic.com/v1", "https://api.anthropic.com")]
    [TestCase("https://api.anthropic.com/v1/", "https://api.anthropic.com")]
    [TestCase("http://127.0.0.1:5000/a", "http://127.0.0.1:5000/a")]
    public void BaseUrlOf_CatalogueEndpoint_IsTheSdksBaseAddress(string endpoint, string expected) =>
        AnthropicDeploymentClientFactory.BaseUrlOf(new ProviderDeployment { Id = "x", Endpoint = endpoint }).Should().Be(expected);
}
