using System.Collections.Concurrent;
using System.Text.Json;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Bedrock.EventStream;
using Intercom.AiCompliance.Bedrock.Tests.Helpers;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.Bedrock.Tests.DependencyInjection;

/// <summary>
/// AddBedrockClients against a Kestrel fake of Bedrock Runtime: what really goes on the wire (path, SigV4 headers that
/// verify, body fields), and how each documented answer ends in the router (served, waited, failed over inside the
/// plan, stopped, refused).
/// </summary>
[CancelAfter(60_000)]
public class BedrockAiComplianceBuilderExtensionsTests
{
    private const string PathA = "/a/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/";

    private static Reply ByDeployment(WireRequest r, Func<WireRequest, Reply> a, Func<WireRequest, Reply>? b = null) =>
        r.RawPath.StartsWith("/a/", StringComparison.Ordinal) ? a(r) : (b ?? (_ => FakeBedrockServer.Converse("From b.")))(r);

    [Test]
    public async Task SendAsync_Success_SendsASignedConverseRequestWithEveryFieldAndServes(CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Converse());
        await using var host = new BedrockHost(server);
        var options = new ChatOptions
        {
            ModelId = "caller-chosen-model",
            MaxOutputTokens = 256,
            Temperature = 0.2f,
            TopP = 0.9f,
            StopSequences = ["###"],
            Tools = [AIFunctionFactory.Create((string city) => "sunny", "get_weather", "Weather for a city")],
            AdditionalProperties = new() { ["additionalModelRequestFields"] = JsonDocument.Parse("""{"top_k":40}""").RootElement },
        };

        var response = await host.Router.SendAsync(BedrockHost.Chat(options,
            new ChatMessage(ChatRole.System, "You are a support agent."),
            new ChatMessage(ChatRole.User, "Weather in Paris?"),
            new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("tool-1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            new ChatMessage(ChatRole.Tool, [new FunctionResultContent("tool-1", "sunny")])), ct);

        response.ServedBy.Id.Should().Be("a");
        response.ServedByClient.Should().Be("BedrockChatClient");
        var chat = ((ChatOutput)response.Output).Response;
        chat.Text.Should().Be("Reset it from Settings.");
        chat.FinishReason.Should().Be(ChatFinishReason.Stop);
        chat.Usage!.InputTokenCount.Should().Be(12);
        chat.Usage.OutputTokenCount.Should().Be(5);
        host.Sink.Outcomes().Single().InputTokens.Should().Be(12);
        host.Sink.Outcomes().Single().Outcome.Should().Be(AuditOutcome.Succeeded);

        var wire = server.Requests.Single();
        wire.RawPath.Should().Be(PathA + "converse", "the model id is the deployment's, percent-encoded as one path segment");
        wire.SignatureValid.Should().BeTrue("the fake recomputes the SigV4 signature from what it received");
        wire.Header("authorization").Should().MatchRegex($"^AWS4-HMAC-SHA256 Credential={BedrockHost.AccessKeyId}/\\d{{8}}/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{{64}}$");
        wire.Header("x-amz-date").Should().MatchRegex(@"^\d{8}T\d{6}Z$");
        wire.Header("x-amz-security-token").Should().BeNull("no session token was configured");
        var body = wire.Json;
        body.GetProperty("system")[0].GetProperty("text").GetString().Should().Be("You are a support agent.");
        var messages = body.GetProperty("messages");
        messages.GetArrayLength().Should().Be(3);
        messages[0].GetProperty("role").GetString().Should().Be("user");
        messages[0].GetProperty("content")[0].GetProperty("text").GetString().Should().Be("Weather in Paris?");
        var toolUse = messages[1].GetProperty("content")[0].GetProperty("toolUse");
        (toolUse.GetProperty("toolUseId").GetString(), toolUse.GetProperty("name").GetString(), toolUse.GetProperty("input").GetProperty("city").GetString())
            .Should().Be(("tool-1", "get_weather", "Paris"));
        messages[2].GetProperty("role").GetString().Should().Be("user", "Bedrock takes tool results in a user turn");
        var toolResult = messages[2].GetProperty("content")[0].GetProperty("toolResult");
        toolResult.GetProperty("toolUseId").GetString().Should().Be("tool-1");
        toolResult.GetProperty("content")[0].GetProperty("text").GetString().Should().Be("sunny");
        toolResult.GetProperty("status").GetString().Should().Be("success");
        var inference = body.GetProperty("inferenceConfig");
        inference.GetProperty("maxTokens").GetInt32().Should().Be(256);
        inference.GetProperty("temperature").GetSingle().Should().Be(0.2f);
        inference.GetProperty("topP").GetSingle().Should().Be(0.9f);
        inference.GetProperty("stopSequences")[0].GetString().Should().Be("###");
        var spec = body.GetProperty("toolConfig").GetProperty("tools")[0].GetProperty("toolSpec");
        spec.GetProperty("name").GetString().Should().Be("get_weather");
        spec.GetProperty("description").GetString().Should().Be("Weather for a city");
        spec.GetProperty("inputSchema").GetProperty("json").GetProperty("properties").GetProperty("city").GetProperty("type").GetString().Should().Be("string");
        body.GetProperty("additionalModelRequestFields").GetProperty("top_k").GetInt32().Should().Be(40);
        body.TryGetProperty("modelId", out _).Should().BeFalse("the model travels in the path only");
    }

    [Test]
    public async Task SendAsync_SessionToken_IsSentAsXAmzSecurityTokenAndSigned(CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Converse());
        await using var host = new BedrockHost(server, configure: o =>
        {
            o.AccessKeyId = BedrockHost.AccessKeyId;
            o.SecretAccessKey = BedrockHost.SecretAccessKey;
            o.SessionToken = BedrockHost.SessionToken;
        });

        await host.Router.SendAsync(BedrockHost.Chat(), ct);

        var wire = server.Requests.Single();
        wire.Header("x-amz-security-token").Should().Be(BedrockHost.SessionToken);
        wire.Header("authorization").Should().Contain("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,");
        wire.SignatureValid.Should().BeTrue();
    }

    [Test]
    public async Task SendAsync_InferenceProfileArn_IsEncodedAsOnePathSegmentAndTheSignatureStillVerifies(CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(r => ByDeployment(r, _ => FakeBedrockServer.Error(503, "ServiceUnavailableException")));
        await using var host = new BedrockHost(server);

        var response = await host.Router.SendAsync(BedrockHost.Chat(), ct);

        response.ServedBy.Id.Should().Be("b");
        var wire = server.Requests.Last();
        wire.RawPath.Should().Be("/b/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse");
        wire.SignatureValid.Should().BeTrue("the signer encodes the already-encoded path once more, as Bedrock checks it");
    }

    [Test]
    public async Task SendAsync_ToolUseAnswer_BecomesAFunctionCallWithToolCallsFinish(CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Converse(stopReason: "tool_use",
            content: """[{"text":"Let me check."},{"toolUse":{"toolUseId":"tooluse_1","name":"get_weather","input":{"city":"Paris","days":2}}}]"""));
        await using var host = new BedrockHost(server);

        var chat = ((ChatOutput)(await host.Router.SendAsync(BedrockHost.Chat(), ct)).Output).Response;

        chat.FinishReason.Should().Be(ChatFinishReason.ToolCalls);
        var call = chat.Messages.Single().Contents.OfType<FunctionCallContent>().Single();
        (call.CallId, call.Name).Should().Be(("tooluse_1", "get_weather"));
        call.Arguments!["city"]!.ToString().Should().Be("Paris");
        call.Arguments["days"]!.ToString().Should().Be("2");
    }

    [TestCase("max_tokens")]
    [TestCase("stop_sequence")]
    public async Task SendAsync_StopReason_MapsToTheFinishReason(string stopReason, CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Converse(stopReason: stopReason));
        await using var host = new BedrockHost(server);

        var chat = ((ChatOutput)(await host.Router.SendAsync(BedrockHost.Chat(), ct)).Output).Response;

        chat.FinishReason.Should().Be(stopReason == "max_tokens" ? ChatFinishReason.Length : ChatFinishReason.Stop);
    }

    [Test]
    public async Task Streaming_EventStreamFramesSplitAcrossReads_TextUsageAndFinishArrive(CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Stream(FakeBedrockServer.TextEvents("Hel", "lo"), chunk: 5));
        await using var host = new BedrockHost(server);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in host.Router.AsChatClient(BedrockHost.Context).GetStreamingResponseAsync("hi", cancellationToken: ct))
        {
            updates.Add(u);
        }

        var response = updates.ToChatResponse();
        response.Text.Should().Be("Hello");
        response.FinishReason.Should().Be(ChatFinishReason.Stop);
        response.Usage!.InputTokenCount.Should().Be(9);
        host.Sink.Outcomes().Single().Outcome.Should().Be(AuditOutcome.Succeeded);
        var wire = server.Requests.Single();
        wire.RawPath.Should().Be(PathA + "converse-stream");
        wire.Header("accept").Should().Be("application/vnd.amazon.eventstream");
        wire.SignatureValid.Should().BeTrue();
    }

    [Test]
    public async Task Streaming_ToolUseDeltas_AreJoinedIntoOneFunctionCall(CancellationToken ct)
    {
        EventStreamMessage[] events =
        [
            FakeBedrockServer.Event("messageStart", """{"role":"assistant"}"""),
            FakeBedrockServer.Event("contentBlockStart", """{"contentBlockIndex":0,"start":{"toolUse":{"toolUseId":"tooluse_9","name":"get_weather"}}}"""),
            FakeBedrockServer.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"toolUse":{"input":"{\"city\":"}}}"""),
            FakeBedrockServer.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"toolUse":{"input":"\"Paris\"}"}}}"""),
            FakeBedrockServer.Event("contentBlockStop", """{"contentBlockIndex":0}"""),
            FakeBedrockServer.Event("messageStop", """{"stopReason":"tool_use"}"""),
        ];
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Stream(events));
        await using var host = new BedrockHost(server);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in host.Router.AsChatClient(BedrockHost.Context).GetStreamingResponseAsync("weather?", cancellationToken: ct))
        {
            updates.Add(u);
        }

        var call = updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>().Single();
        (call.CallId, call.Name, call.Arguments!["city"]!.ToString()).Should().Be(("tooluse_9", "get_weather", "Paris"));
        updates.ToChatResponse().FinishReason.Should().Be(ChatFinishReason.ToolCalls);
    }

    [Test]
    public async Task Streaming_CorruptedFirstFrame_IsAClassifiedFailureThatFailsOverNeverGarbageText(CancellationToken ct)
    {
        var frames = FakeBedrockServer.TextEvents("Hello").Select(EventStreamCodec.Encode).ToList();
        frames[0][^6] ^= 0x40; // one bit of the first frame's payload
        await using var server = await FakeBedrockServer.StartAsync(r => ByDeployment(r, _ => FakeBedrockServer.Stream(frames),
            _ => FakeBedrockServer.Stream(FakeBedrockServer.TextEvents("From b."))));
        await using var host = new BedrockHost(server);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in host.Router.AsChatClient(BedrockHost.Context).GetStreamingResponseAsync("hi", cancellationToken: ct))
        {
            updates.Add(u);
        }

        updates.ToChatResponse().Text.Should().Be("From b.");
        var record = host.Sink.Outcomes().Single();
        record.Attempts.Select(a => (a.DeploymentId, a.Failure)).Should().Equal(("a", nameof(ProviderFailureKind.ConnectionFailure)), ("b", (string?)null));
    }

    [Test]
    public async Task Streaming_CorruptedFrameAfterText_InterruptsTheStreamAndDeliversNoGarbage(CancellationToken ct)
    {
        var frames = FakeBedrockServer.TextEvents("Hel", "lo").Select(EventStreamCodec.Encode).ToList();
        frames[2][^6] ^= 0x01; // the second text delta
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Stream(frames));
        await using var host = new BedrockHost(server);

        var updates = new List<ChatResponseUpdate>();
        var read = async () =>
        {
            await foreach (var u in host.Router.AsChatClient(BedrockHost.Context).GetStreamingResponseAsync("hi", cancellationToken: ct))
            {
                updates.Add(u);
            }
        };

        var error = (await read.Should().ThrowAsync<StreamInterruptedException>()).Which;
        error.Failure!.Kind.Should().Be(ProviderFailureKind.ConnectionFailure);
        updates.ToChatResponse().Text.Should().Be("Hel", "what was verified arrived; the corrupted frame was never turned into text");
        server.Requests.Should().ContainSingle("after text reached the caller nothing is failed over");
    }

    [TestCase("throttlingException", ProviderFailureKind.RateLimited)]
    [TestCase("modelStreamErrorException", ProviderFailureKind.ServerError)]
    [TestCase("serviceUnavailableException", ProviderFailureKind.ServerError)]
    [TestCase("internalServerException", ProviderFailureKind.ServerError)]
    public async Task Streaming_TransientExceptionEventFirst_FailsOverToTheNextDeployment(string exception, ProviderFailureKind kind, CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(r => ByDeployment(r,
            _ => FakeBedrockServer.Stream([FakeBedrockServer.Exception(exception, "quoted the user's words")]),
            _ => FakeBedrockServer.Stream(FakeBedrockServer.TextEvents("From b."))));
        await using var host = new BedrockHost(server);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in host.Router.AsChatClient(BedrockHost.Context).GetStreamingResponseAsync("hi", cancellationToken: ct))
        {
            updates.Add(u);
        }

        updates.ToChatResponse().Text.Should().Be("From b.");
        host.Sink.Outcomes().Single().Attempts.First().Failure.Should().Be(kind.ToString());
    }

    [Test]
    public async Task Streaming_ValidationExceptionEvent_StopsWithoutFailover(CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Stream([FakeBedrockServer.Exception("validationException")]));
        await using var host = new BedrockHost(server);

        var read = async () =>
        {
            await foreach (var u in host.Router.AsChatClient(BedrockHost.Context).GetStreamingResponseAsync("hi", cancellationToken: ct))
            {
            }
        };

        var error = (await read.Should().ThrowAsync<AllCandidatesFailedException>()).Which;
        error.Reason.Should().Be(AllCandidatesFailedException.PermanentError);
        error.LastFailure!.Kind.Should().Be(ProviderFailureKind.BadRequest);
        server.Requests.Should().ContainSingle();
    }

    [Test]
    public async Task SendAsync_ThrottlingExceptionWithRetryAfter_WaitsTheProvidersDelayOnTheClockThenRetriesTheSameDeployment(CancellationToken ct)
    {
        var calls = 0;
        await using var server = await FakeBedrockServer.StartAsync(r => ByDeployment(r, _ => Interlocked.Increment(ref calls) == 1
            ? FakeBedrockServer.Error(429, "ThrottlingException", "Too many requests", new Dictionary<string, string> { ["Retry-After"] = "3" })
            : FakeBedrockServer.Converse()));
        await using var host = new BedrockHost(server, maxRetryAttempts: 2);

        var send = host.Router.SendAsync(BedrockHost.Chat(), ct);
        await Wait.Until(() => host.Clock.PendingDueIn.Contains(TimeSpan.FromSeconds(3)), "the router waits the Retry-After Bedrock sent");
        send.IsCompleted.Should().BeFalse();
        host.Clock.Advance(TimeSpan.FromSeconds(3));
        var response = await send;

        response.ServedBy.Id.Should().Be("a");
        response.Attempts.Select(a => (a.DeploymentId, a.Failure, a.StatusCode)).Should().Equal(("a", ProviderFailureKind.RateLimited, 429), ("a", null, null));
    }

    [TestCase(503, "ServiceUnavailableException")]
    [TestCase(500, "InternalServerException")]
    [TestCase(424, "ModelErrorException")]
    public async Task SendAsync_ServerSideError_FailsOverToTheNextDeploymentOfThePlan(int status, string type, CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(r => ByDeployment(r, _ => FakeBedrockServer.Error(status, type)));
        await using var host = new BedrockHost(server);

        var response = await host.Router.SendAsync(BedrockHost.Chat(), ct);

        response.ServedBy.Id.Should().Be("b");
        response.Attempts.Select(a => (a.DeploymentId, a.Outcome, a.Failure, a.StatusCode))
            .Should().Equal(("a", AttemptOutcome.TransientFailure, ProviderFailureKind.ServerError, status), ("b", AttemptOutcome.Succeeded, null, null));
        server.Requests.Should().HaveCount(2, "one call per attempt: the client never retries on its own");
    }

    [TestCase(403, "AccessDeniedException")]
    [TestCase(403, "UnrecognizedClientException")]
    [TestCase(403, "InvalidSignatureException")]
    public async Task SendAsync_AuthenticationError_StopsWithoutTryingAnotherDeployment(int status, string type, CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Error(status, type, "The security token included in the request is invalid."));
        await using var host = new BedrockHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(BedrockHost.Chat(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        error.Reason.Should().Be(AllCandidatesFailedException.PermanentError);
        error.LastFailure!.Kind.Should().Be(ProviderFailureKind.Authentication);
        error.LastFailure.StatusCode.Should().Be(status);
        server.Requests.Should().ContainSingle("wrong credentials are not a reason to send the data to another deployment");
    }

    [Test]
    public async Task SendAsync_ValidationException_IsPermanentAndStops(CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Error(400, "ValidationException", "Malformed input request: quoted text"));
        await using var host = new BedrockHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(BedrockHost.Chat(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        error.Reason.Should().Be(AllCandidatesFailedException.PermanentError);
        error.LastFailure!.Kind.Should().Be(ProviderFailureKind.BadRequest);
        error.ToString().Should().NotContain("quoted text");
        server.Requests.Should().ContainSingle();
    }

    [TestCase("guardrail_intervened")]
    [TestCase("content_filtered")]
    public async Task SendAsync_GuardrailIntervened_IsARefusalThatIsNotRoutedAroundAndDoesNotServeTheGuardrailText(string stopReason, CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Converse("Sorry, the model cannot answer this question.", stopReason));
        await using var host = new BedrockHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(BedrockHost.Chat(), ct)).Should().ThrowAsync<ProviderRefusalException>()).Which;

        error.DeploymentId.Should().Be("a");
        error.Failure.Kind.Should().Be(ProviderFailureKind.ContentPolicyRefusal);
        error.ToString().Should().NotContain("cannot answer");
        server.Requests.Should().ContainSingle("a refusal is never sent to another deployment");
        host.Sink.Outcomes().Single().Outcome.Should().NotBe(AuditOutcome.Succeeded);
    }

    [Test]
    public async Task Streaming_GuardrailInterventionAtMessageStop_IsARefusal(CancellationToken ct)
    {
        EventStreamMessage[] events =
        [
            FakeBedrockServer.Event("messageStart", """{"role":"assistant"}"""),
            FakeBedrockServer.Event("messageStop", """{"stopReason":"guardrail_intervened"}"""),
        ];
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Stream(events));
        await using var host = new BedrockHost(server);

        var read = async () =>
        {
            await foreach (var u in host.Router.AsChatClient(BedrockHost.Context).GetStreamingResponseAsync("hi", cancellationToken: ct))
            {
            }
        };

        var error = (await read.Should().ThrowAsync<ProviderRefusalException>()).Which;
        error.Failure.Kind.Should().Be(ProviderFailureKind.ContentPolicyRefusal);
        server.Requests.Should().ContainSingle();
    }

    [TestCase("{\"output\":{\"mess")]
    [TestCase("{\"stopReason\":\"end_turn\"}")]
    public async Task SendAsync_MalformedSuccessBody_StopsWithoutServingOrTryingAnotherDeployment(string body, CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => Reply.Json(200, body));
        await using var host = new BedrockHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(BedrockHost.Chat(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        error.Reason.Should().Be(AllCandidatesFailedException.PermanentError, "an answer nobody can read is never passed off as served");
        server.Requests.Should().ContainSingle();
    }

    [Test]
    public async Task SendAsync_NoCompliantBedrockDeployment_IsRefusedBeforeAnythingIsSent(CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Converse());
        await using var host = new BedrockHost(server, workspaceRegion: "EU");

        await FluentActions.Awaiting(() => host.Router.SendAsync(BedrockHost.Chat(), ct)).Should().ThrowAsync<NoCompliantRouteException>();

        server.Requests.Should().BeEmpty("an EU workspace's data never reaches a US inference profile");
    }

    [Test]
    public async Task SendAsync_TitanEmbeddings_InvokeModelWithInputTextPerValue(CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => Reply.Json(200, """{"embedding":[0.25,-0.5,1.0],"inputTextTokenCount":4}"""));
        await using var host = new BedrockHost(server, capabilities: ["Embeddings"], modelA: "amazon.titan-embed-text-v2:0", modelB: "amazon.titan-embed-text-v2:0");
        var request = BedrockHost.Chat() with { Payload = new EmbeddingPayload(["reset password", "billing"]) };

        var response = await host.Router.SendAsync(request, ct);

        ((EmbeddingOutput)response.Output).Vectors.Select(v => v.ToArray()).Should().AllSatisfy(v => v.Should().Equal(0.25f, -0.5f, 1.0f));
        server.Requests.Select(r => r.RawPath).Should().Equal("/a/model/amazon.titan-embed-text-v2%3A0/invoke", "/a/model/amazon.titan-embed-text-v2%3A0/invoke");
        server.Requests.Select(r => r.Json.GetProperty("inputText").GetString()).Should().Equal("reset password", "billing");
        server.Requests.Should().AllSatisfy(r => r.SignatureValid.Should().BeTrue());
    }

    [Test]
    public async Task SendAsync_CohereEmbeddings_OneInvokeModelWithTextsAndInputType(CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => Reply.Json(200,
            """{"embeddings":[[0.1,0.2],[0.3,0.4]],"id":"e1","response_type":"embeddings_floats","texts":["a","b"]}"""));
        await using var host = new BedrockHost(server, capabilities: ["Embeddings"], modelA: "cohere.embed-multilingual-v3", modelB: "cohere.embed-multilingual-v3");
        var request = BedrockHost.Chat() with { Payload = new EmbeddingPayload(["a", "b"]) };

        var response = await host.Router.SendAsync(request, ct);

        ((EmbeddingOutput)response.Output).Vectors.Select(v => v.ToArray()[1]).Should().Equal(0.2f, 0.4f);
        var body = server.Requests.Single().Json;
        body.GetProperty("texts").EnumerateArray().Select(t => t.GetString()).Should().Equal("a", "b");
        body.GetProperty("input_type").GetString().Should().Be("search_document");
    }

    [Test]
    public async Task BuildingTheRouter_EmbeddingsOnAChatModel_FailsNamingTheDeployment()
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Converse());

        var build = () => new BedrockHost(server, capabilities: ["Embeddings"]);

        build.Should().Throw<Exception>().Which.ToString().Should().Contain("'a'").And.Contain("embedding");
        server.Requests.Should().BeEmpty();
    }

    [Test]
    public async Task AddBedrockClients_HostHandlerOnTheDeploymentsNamedHttpClient_SeesTheCalls(CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Converse());
        var seen = new RecordingHandler();
        await using var host = new BedrockHost(server, host: s => s.AddHttpClient(BedrockAiComplianceBuilderExtensions.HttpClientName("a")).AddHttpMessageHandler(() => seen));

        await host.Router.SendAsync(BedrockHost.Chat(), ct);

        seen.Paths.Should().Equal([PathA + "converse"], "calls go through IHttpClientFactory's client named for the deployment");
    }

    [Test]
    public async Task Secrets_TraceLogsExceptionsAndAudit_NeverHoldTheAccessKeySecretOrSessionToken(CancellationToken ct)
    {
        var logs = new ConcurrentBag<string>();
        await using var server = await FakeBedrockServer.StartAsync(r => ByDeployment(r, _ => FakeBedrockServer.Error(403, "UnrecognizedClientException")));
        await using var host = new BedrockHost(server, logs: new CapturingLoggerProvider(logs), configure: o =>
        {
            o.AccessKeyId = BedrockHost.AccessKeyId;
            o.SecretAccessKey = BedrockHost.SecretAccessKey;
            o.SessionToken = BedrockHost.SessionToken;
        });

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(BedrockHost.Chat(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;
        var stream = async () =>
        {
            await foreach (var u in host.Router.AsChatClient(BedrockHost.Context).GetStreamingResponseAsync("hi", cancellationToken: ct))
            {
            }
        };
        var streamError = (await stream.Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        logs.Should().NotBeEmpty("Trace logging is on, including IHttpClientFactory's request logs");
        var everything = string.Join('\n', logs) + error + streamError + JsonSerializer.Serialize(host.Sink.Records);
        everything.Should().NotContain(BedrockHost.SecretAccessKey).And.NotContain(BedrockHost.SessionToken).And.NotContain(BedrockHost.AccessKeyId);
        server.Requests.Should().NotBeEmpty();
    }

    [Test]
    public async Task BuildingTheRouter_HalfAKeyPair_FailsNamingTheKeyNotItsValue()
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Converse());

        var build = () => new BedrockHost(server, configure: o => o.AccessKeyId = BedrockHost.AccessKeyId);

        var text = build.Should().Throw<Exception>().Which.ToString();
        text.Should().Contain("AiComplianceBedrock:SecretAccessKey").And.NotContain(BedrockHost.AccessKeyId);
    }

    [Test]
    public async Task AddBedrockClients_ConfigurationSection_BindsTheKeysAndSignsWithThem(CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Converse());
        await using var host = new BedrockHost(server, section:
        [
            ("AiComplianceBedrock:AccessKeyId", BedrockHost.AccessKeyId),
            ("AiComplianceBedrock:SecretAccessKey", BedrockHost.SecretAccessKey),
            ("AiComplianceBedrock:SessionToken", BedrockHost.SessionToken),
        ]);

        await host.Router.SendAsync(BedrockHost.Chat(), ct);

        server.Requests.Single().SignatureValid.Should().BeTrue();
        server.Requests.Single().Header("x-amz-security-token").Should().Be(BedrockHost.SessionToken);
    }

    [Test]
    public async Task AddBedrockClients_UnknownKeyInTheSection_StopsTheHost()
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Converse());

        var build = () => new BedrockHost(server, section: [("AiComplianceBedrock:SecretKey", "typo of SecretAccessKey")]);

        build.Should().Throw<InvalidOperationException>().Which.ToString().Should().Contain("SecretKey").And.NotContain("typo of");
    }

    [Test]
    [NonParallelizable]
    public async Task NoKeysInOptions_CredentialsComeFromTheAwsCredentialChain(CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Converse());
        var saved = new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE" }
            .ToDictionary(k => k, Environment.GetEnvironmentVariable);
        var empty = Path.Combine(Path.GetTempPath(), "aicompliance-no-aws-" + Guid.NewGuid().ToString("N"));
        try
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", BedrockHost.AccessKeyId);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", BedrockHost.SecretAccessKey);
            Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", BedrockHost.SessionToken);
            Environment.SetEnvironmentVariable("AWS_PROFILE", null);
            Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", empty);
            Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", empty);
            await using var host = new BedrockHost(server, configure: _ => { });

            await host.Router.SendAsync(BedrockHost.Chat(), ct);

            var wire = server.Requests.Single();
            wire.Header("authorization").Should().Contain($"Credential={BedrockHost.AccessKeyId}/");
            wire.Header("x-amz-security-token").Should().Be(BedrockHost.SessionToken);
            wire.SignatureValid.Should().BeTrue();
        }
        finally
        {
            foreach (var (k, v) in saved)
            {
                Environment.SetEnvironmentVariable(k, v);
            }
        }
    }

    [Test]
    public async Task AddBedrockClients_CredentialsProvider_SignsEachDeploymentWithItsOwnCredentials(CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(r => ByDeployment(r, _ => FakeBedrockServer.Error(503, "ServiceUnavailableException")));
        await using var host = new BedrockHost(server, configure: o =>
        {
            o.AccessKeyId = BedrockHost.AccessKeyId;
            o.SecretAccessKey = BedrockHost.SecretAccessKey;
            o.CredentialsProvider = (_, d) => d.Id == "b" ? new Amazon.Runtime.BasicAWSCredentials("AKIADEPLOYMENTB00001", BedrockHost.SecretAccessKey) : null;
        });

        await host.Router.SendAsync(BedrockHost.Chat(), ct);

        server.Requests.Select(r => r.Header("authorization")!.Split('/')[0]).Should().Equal(
            $"AWS4-HMAC-SHA256 Credential={BedrockHost.AccessKeyId}", "AWS4-HMAC-SHA256 Credential=AKIADEPLOYMENTB00001");
        server.Requests.Should().AllSatisfy(r => r.SignatureValid.Should().BeTrue());
    }

    [Test]
    [NonParallelizable]
    public async Task SendAsync_NamedProfileThatDoesNotExist_StopsAsAnAuthenticationFailureAndSendsNothing(CancellationToken ct)
    {
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Converse());
        var saved = new[] { "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE" }.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        var missing = Path.Combine(Path.GetTempPath(), "aicompliance-no-aws-" + Guid.NewGuid().ToString("N"));
        try
        {
            Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", missing);
            Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", missing);
            await using var host = new BedrockHost(server, configure: o => o.Profile = "no-such-profile");

            var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(BedrockHost.Chat(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

            error.Reason.Should().Be(AllCandidatesFailedException.PermanentError);
            error.LastFailure!.Kind.Should().Be(ProviderFailureKind.Authentication);
            server.Requests.Should().BeEmpty("without credentials nothing is sent, and no other deployment is tried");
        }
        finally
        {
            foreach (var (k, v) in saved)
            {
                Environment.SetEnvironmentVariable(k, v);
            }
        }
    }

    [Test]
    public async Task FakeVerification_BodyChangedAfterSigning_FailsToVerify(CancellationToken ct)
    {
        // Proves the fake's check has teeth: a request altered after it was signed does not verify.
        await using var server = await FakeBedrockServer.StartAsync(_ => FakeBedrockServer.Converse());
        await using var host = new BedrockHost(server, host: s => s.AddHttpClient(BedrockAiComplianceBuilderExtensions.HttpClientName("a")).AddHttpMessageHandler(() => new TamperingHandler()));

        await host.Router.SendAsync(BedrockHost.Chat(), ct);

        server.Requests.Single().SignatureValid.Should().BeFalse();
    }

    private sealed class TamperingHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            body[^2] = (byte)' ';
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = request.Content.Headers.ContentType;
            request.Content = content;
            return await base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class CapturingLoggerProvider(ConcurrentBag<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(sink, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentBag<string> sink, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var line = $"{category} {logLevel}: {formatter(state, exception)} {exception}";
                if (state is IEnumerable<KeyValuePair<string, object?>> values)
                {
                    line += " " + string.Join(", ", values.Select(v => $"{v.Key}={v.Value}"));
                }

                sink.Add(line);
            }
        }
    }
}
