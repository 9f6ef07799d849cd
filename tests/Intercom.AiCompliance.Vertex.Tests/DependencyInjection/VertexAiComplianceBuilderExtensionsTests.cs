using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Vertex.Tests.Helpers;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Vertex.Tests.DependencyInjection;

/// <summary>
/// AddVertexClients against a Kestrel fake of the Vertex AI REST API: what the client really sends (path, bearer token, body
/// fields), and how each documented answer ends in the router (served, waited, failed over inside the plan, stopped, refused).
/// </summary>
[CancelAfter(60_000)]
public class VertexAiComplianceBuilderExtensionsTests
{
    private static Reply ByDeployment(WireRequest r, Func<WireRequest, Reply> a, Func<WireRequest, Reply>? b = null) =>
        r.Path.StartsWith("/a/", StringComparison.Ordinal) ? a(r) : (b ?? (_ => VertexReplies.Completion("from b")))(r);

    [Test]
    public async Task SendAsync_ChatWithSystemToolsAndGenerationConfig_SendsTheDocumentedRequestAndServes(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(_ => VertexReplies.Completion());
        await using var host = new VertexHost(server);
        var schema = AIJsonUtilities.CreateJsonSchema(typeof(Answer));
        var options = new ChatOptions
        {
            ModelId = "caller-chosen-model",
            Temperature = 0.2f,
            TopP = 0.9f,
            MaxOutputTokens = 256,
            StopSequences = ["END"],
            Tools = [AIFunctionFactory.Create((string city) => "sunny", "get_weather", "Weather for a city")],
            ToolMode = ChatToolMode.RequireSpecific("get_weather"),
            ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, "answer"),
        };
        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, "You answer support questions."),
            new(ChatRole.User, "How do I reset my password?"),
            new(ChatRole.Assistant, "Which account?"),
            new(ChatRole.User, "The admin one."),
        };

        var response = await host.Router.SendAsync(VertexHost.Chat(messages, options), ct);

        response.ServedBy.Id.Should().Be("a");
        response.ServedByClient.Should().Be("VertexChatClient");
        var chat = ((ChatOutput)response.Output).Response;
        chat.Text.Should().Be("Reset it from Settings.");
        chat.FinishReason.Should().Be(ChatFinishReason.Stop);
        chat.Usage!.InputTokenCount.Should().Be(12);
        chat.Usage.OutputTokenCount.Should().Be(5);
        chat.Usage.TotalTokenCount.Should().Be(17);
        host.Sink.Outcomes().Single().InputTokens.Should().Be(12);
        host.Sink.Outcomes().Single().Outcome.Should().Be(AuditOutcome.Succeeded);

        var wire = server.Requests.Single();
        wire.Method.Should().Be("POST");
        wire.Path.Should().Be(VertexHost.PathOf("a", "generateContent"), "the plan's deployment decides the model, not the caller");
        wire.Header("Authorization").Should().Be("Bearer " + FakeTokenSource.Prefix + "1");
        var body = wire.Json;
        body.GetProperty("systemInstruction").GetProperty("parts")[0].GetProperty("text").GetString().Should().Be("You answer support questions.");
        var contents = body.GetProperty("contents");
        contents.EnumerateArray().Select(c => c.GetProperty("role").GetString()).Should().Equal("user", "model", "user");
        contents[1].GetProperty("parts")[0].GetProperty("text").GetString().Should().Be("Which account?");
        var declaration = body.GetProperty("tools")[0].GetProperty("functionDeclarations")[0];
        declaration.GetProperty("name").GetString().Should().Be("get_weather");
        declaration.GetProperty("description").GetString().Should().Be("Weather for a city");
        declaration.GetProperty("parametersJsonSchema").GetProperty("properties").TryGetProperty("city", out _).Should().BeTrue();
        var calling = body.GetProperty("toolConfig").GetProperty("functionCallingConfig");
        calling.GetProperty("mode").GetString().Should().Be("ANY");
        calling.GetProperty("allowedFunctionNames")[0].GetString().Should().Be("get_weather");
        var generation = body.GetProperty("generationConfig");
        generation.GetProperty("temperature").GetDouble().Should().BeApproximately(0.2, 1e-6);
        generation.GetProperty("topP").GetDouble().Should().BeApproximately(0.9, 1e-6);
        generation.GetProperty("maxOutputTokens").GetInt32().Should().Be(256);
        generation.GetProperty("stopSequences")[0].GetString().Should().Be("END");
        generation.GetProperty("responseMimeType").GetString().Should().Be("application/json");
        generation.GetProperty("responseSchema").GetProperty("properties").TryGetProperty("text", out _).Should().BeTrue();
    }

    [Test]
    public async Task SendAsync_FunctionCallThenItsResult_ReadsTheCallAndSendsTheResultAsAFunctionResponseOfTheSameName(CancellationToken ct)
    {
        const string call = """
            {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Dublin"}}}]},"finishReason":"STOP"}],
             "usageMetadata":{"promptTokenCount":20,"candidatesTokenCount":4,"totalTokenCount":24}}
            """;
        await using var server = await FakeProviderServer.StartAsync(r => server0(r));
        Reply server0(WireRequest r) => r.Text.Contains("functionResponse", StringComparison.Ordinal) ? VertexReplies.Completion("It is sunny.") : Reply.Json(200, call);
        await using var host = new VertexHost(server);
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create((string city) => "sunny", "get_weather", "Weather for a city")] };
        var history = new List<ChatMessage> { new(ChatRole.User, "Weather in Dublin?") };

        var first = ((ChatOutput)(await host.Router.SendAsync(VertexHost.Chat(history, options), ct)).Output).Response;
        var functionCall = first.Messages.Single().Contents.OfType<FunctionCallContent>().Single();
        functionCall.Name.Should().Be("get_weather");
        functionCall.Arguments!["city"]!.ToString().Should().Be("Dublin");
        first.FinishReason.Should().Be(ChatFinishReason.ToolCalls);

        history.AddRange(first.Messages);
        history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(functionCall.CallId, new Dictionary<string, object?> { ["forecast"] = "sunny" })]));
        var second = ((ChatOutput)(await host.Router.SendAsync(VertexHost.Chat(history, options), ct)).Output).Response;

        second.Text.Should().Be("It is sunny.");
        var contents = server.Requests.Last().Json.GetProperty("contents");
        contents.EnumerateArray().Select(c => c.GetProperty("role").GetString()).Should().Equal("user", "model", "user");
        contents[1].GetProperty("parts")[0].GetProperty("functionCall").GetProperty("name").GetString().Should().Be("get_weather");
        contents[1].GetProperty("parts")[0].GetProperty("functionCall").GetProperty("args").GetProperty("city").GetString().Should().Be("Dublin");
        var functionResponse = contents[2].GetProperty("parts")[0].GetProperty("functionResponse");
        functionResponse.GetProperty("name").GetString().Should().Be("get_weather");
        functionResponse.GetProperty("response").GetProperty("forecast").GetString().Should().Be("sunny");
    }

    [Test]
    public async Task StreamingThroughTheRouter_SseAnswer_AsksForAltSseAndTheTextAndUsageArrive(CancellationToken ct)
    {
        const string sse = "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hel\"}]}}],\"responseId\":\"r1\"}\r\n\r\n"
            + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"lo\"}]},\"finishReason\":\"STOP\"}],"
            + "\"usageMetadata\":{\"promptTokenCount\":9,\"candidatesTokenCount\":2,\"totalTokenCount\":11},\"responseId\":\"r1\"}\r\n\r\n";
        await using var server = await FakeProviderServer.StartAsync(_ => Reply.Text(sse, "text/event-stream"));
        await using var host = new VertexHost(server);
        var view = host.Router.AsChatClient(new ComplianceContext { WorkspaceId = "ws-1", Product = Intercom.AiCompliance.Workspaces.AiProduct.FinAiAgent, Purpose = Intercom.AiCompliance.Workspaces.Purpose.AnsweringEndUser });

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in view.GetStreamingResponseAsync("hi", cancellationToken: ct))
        {
            updates.Add(u);
        }

        var whole = updates.ToChatResponse();
        whole.Text.Should().Be("Hello");
        whole.FinishReason.Should().Be(ChatFinishReason.Stop);
        whole.Usage!.TotalTokenCount.Should().Be(11);
        host.Sink.Outcomes().Single().Outcome.Should().Be(AuditOutcome.Succeeded);
        var wire = server.Requests.Single();
        wire.Path.Should().Be(VertexHost.PathOf("a", "streamGenerateContent"));
        wire.Query.Should().Be("?alt=sse");
        wire.Header("Authorization").Should().StartWith("Bearer " + FakeTokenSource.Prefix);
    }

    [Test]
    public async Task StreamingThroughTheRouter_StreamEndsWithoutAFinishReason_IsNotPassedOffAsAComplete(CancellationToken ct)
    {
        const string sse = "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hel\"}]}}]}\n\n";
        await using var server = await FakeProviderServer.StartAsync(_ => Reply.Text(sse, "text/event-stream"));
        await using var host = new VertexHost(server);
        var view = host.Router.AsChatClient(new ComplianceContext { WorkspaceId = "ws-1", Product = Intercom.AiCompliance.Workspaces.AiProduct.FinAiAgent, Purpose = Intercom.AiCompliance.Workspaces.Purpose.AnsweringEndUser });

        var read = async () =>
        {
            await foreach (var _ in view.GetStreamingResponseAsync("hi", cancellationToken: ct))
            {
            }
        };

        await read.Should().ThrowAsync<StreamInterruptedException>();
        host.Sink.Outcomes().Single().Outcome.Should().Be(AuditOutcome.Partial);
    }

    [Test]
    public async Task StreamingThroughTheRouter_SafetyStopBeforeAnyText_IsARefusalThatIsNotRoutedAround(CancellationToken ct)
    {
        const string sse = "data: {\"candidates\":[{\"finishReason\":\"SAFETY\",\"safetyRatings\":[{\"category\":\"HARM_CATEGORY_HARASSMENT\",\"probability\":\"HIGH\",\"blocked\":true}]}]}\n\n";
        await using var server = await FakeProviderServer.StartAsync(_ => Reply.Text(sse, "text/event-stream"));
        await using var host = new VertexHost(server);
        var view = host.Router.AsChatClient(new ComplianceContext { WorkspaceId = "ws-1", Product = Intercom.AiCompliance.Workspaces.AiProduct.FinAiAgent, Purpose = Intercom.AiCompliance.Workspaces.Purpose.AnsweringEndUser });

        var read = async () =>
        {
            await foreach (var _ in view.GetStreamingResponseAsync("hi", cancellationToken: ct))
            {
            }
        };

        (await read.Should().ThrowAsync<ProviderRefusalException>()).Which.Failure.Kind.Should().Be(ProviderFailureKind.ContentPolicyRefusal);
        server.Requests.Should().ContainSingle("a refusal is never sent to another deployment");
    }

    [Test]
    public async Task SendAsync_429WithRetryAfter_WaitsTheProvidersDelayThenRetriesTheSameDeployment(CancellationToken ct)
    {
        var calls = 0;
        await using var server = await FakeProviderServer.StartAsync(r => ByDeployment(r, _ => Interlocked.Increment(ref calls) == 1
            ? VertexReplies.Error(429, "RESOURCE_EXHAUSTED", headers: new Dictionary<string, string> { ["Retry-After"] = "2" })
            : VertexReplies.Completion()));
        await using var host = new VertexHost(server, maxRetryAttempts: 2);

        var send = host.Router.SendAsync(VertexHost.Chat(), ct);
        await Wait.Until(() => host.Clock.PendingDueIn.Contains(TimeSpan.FromSeconds(2)), "the router waits the Retry-After of the 429");
        send.IsCompleted.Should().BeFalse();
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        var response = await send;

        response.ServedBy.Id.Should().Be("a");
        response.Attempts.Select(a => (a.DeploymentId, a.Failure, a.StatusCode)).Should().Equal(("a", ProviderFailureKind.RateLimited, 429), ("a", null, null));
        server.Requests.Select(r => r.Path).Should().Equal(VertexHost.PathOf("a", "generateContent"), VertexHost.PathOf("a", "generateContent"));
    }

    [Test]
    public async Task SendAsync_429WithRetryInfoDetail_WaitsTheDelayTheErrorBodyGives(CancellationToken ct)
    {
        const string quota = """
            {"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"3s"}]}}
            """;
        var calls = 0;
        await using var server = await FakeProviderServer.StartAsync(r => ByDeployment(r, _ => Interlocked.Increment(ref calls) == 1
            ? Reply.Json(429, quota)
            : VertexReplies.Completion()));
        await using var host = new VertexHost(server, maxRetryAttempts: 2);

        var send = host.Router.SendAsync(VertexHost.Chat(), ct);
        await Wait.Until(() => host.Clock.PendingDueIn.Contains(TimeSpan.FromSeconds(3)), "the router waits google.rpc.RetryInfo's retryDelay");
        host.Clock.Advance(TimeSpan.FromSeconds(3));

        (await send).ServedBy.Id.Should().Be("a");
    }

    [Test]
    public async Task SendAsync_503_FailsOverToTheNextDeploymentOfThePlan(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(r => ByDeployment(r, _ => VertexReplies.Error(503, "UNAVAILABLE", "The service is currently unavailable.")));
        await using var host = new VertexHost(server);

        var response = await host.Router.SendAsync(VertexHost.Chat(), ct);

        response.ServedBy.Id.Should().Be("b");
        response.Attempts.Select(a => (a.DeploymentId, a.Outcome, a.Failure, a.StatusCode))
            .Should().Equal(("a", AttemptOutcome.TransientFailure, ProviderFailureKind.ServerError, 503), ("b", AttemptOutcome.Succeeded, null, null));
        server.Requests.Select(r => r.Path).Should().Equal(VertexHost.PathOf("a", "generateContent"), VertexHost.PathOf("b", "generateContent"));
    }

    [TestCase(401, "UNAUTHENTICATED")]
    [TestCase(403, "PERMISSION_DENIED")]
    public async Task SendAsync_AuthenticationError_StopsWithoutTryingAnotherDeployment(int status, string grpc, CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(_ => VertexReplies.Error(status, grpc, "Request had invalid authentication credentials."));
        await using var host = new VertexHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(VertexHost.Chat(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        error.Reason.Should().Be(AllCandidatesFailedException.PermanentError);
        error.LastFailure!.Kind.Should().Be(ProviderFailureKind.Authentication);
        error.LastFailure.StatusCode.Should().Be(status);
        server.Requests.Should().ContainSingle("wrong credentials are not a reason to send the data to another deployment");
    }

    [TestCase("SAFETY")]
    [TestCase("PROHIBITED_CONTENT")]
    [TestCase("BLOCKLIST")]
    [TestCase("SPII")]
    public async Task SendAsync_CandidateStoppedForSafety_IsARefusalThatIsNotRoutedAround(string finish, CancellationToken ct)
    {
        const string blocked = """{"candidates":[{"finishReason":"FINISH","safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"HIGH","blocked":true}]}],"usageMetadata":{"promptTokenCount":12,"totalTokenCount":12}}""";
        await using var server = await FakeProviderServer.StartAsync(_ => Reply.Json(200, blocked.Replace("FINISH", finish, StringComparison.Ordinal)));
        await using var host = new VertexHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(VertexHost.Chat(), ct)).Should().ThrowAsync<ProviderRefusalException>()).Which;

        error.DeploymentId.Should().Be("a");
        error.Failure.Kind.Should().Be(ProviderFailureKind.ContentPolicyRefusal);
        server.Requests.Should().ContainSingle("a refusal is never sent to another deployment");
        host.Sink.Outcomes().Single().Outcome.Should().NotBe(AuditOutcome.Succeeded);
    }

    [Test]
    public async Task SendAsync_PromptBlocked_IsARefusalThatIsNotRoutedAround(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(_ => Reply.Json(200, """{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT","blockReasonMessage":"The prompt quoted the user"},"usageMetadata":{"promptTokenCount":7}}"""));
        await using var host = new VertexHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(VertexHost.Chat(), ct)).Should().ThrowAsync<ProviderRefusalException>()).Which;

        error.ToString().Should().NotContain("quoted");
        server.Requests.Should().ContainSingle();
    }

    [TestCase("{\"candidates\":[{\"content\":{\"role\":\"model\",\"par")]
    [TestCase("{\"usageMetadata\":{\"promptTokenCount\":3}}")]
    [TestCase("[1,2,3]")]
    public async Task SendAsync_MalformedSuccessBody_StopsWithoutServingOrTryingAnotherDeployment(string body, CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(_ => Reply.Json(200, body));
        await using var host = new VertexHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(VertexHost.Chat(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        error.Reason.Should().Be(AllCandidatesFailedException.PermanentError, "an answer nobody can read is never passed off as served");
        server.Requests.Should().ContainSingle();
        host.Sink.Outcomes().Single().Outcome.Should().NotBe(AuditOutcome.Succeeded);
    }

    [Test]
    public async Task SendAsync_EuWorkspace_NeverReachesVertexEvenInAEuropeanLocation(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(_ => VertexReplies.Completion());
        await using var host = new VertexHost(server, workspaceRegion: "EU", deploymentRegion: "EU");

        var refusal = (await FluentActions.Awaiting(() => host.Router.SendAsync(VertexHost.Chat(), ct)).Should().ThrowAsync<NoCompliantRouteException>()).Which;

        refusal.Rejections.Select(r => r.Deployment.Id).Should().BeEquivalentTo("a", "b");
        refusal.Rejections.Should().OnlyContain(r => r.Violations.Any(v => v.Reason == Intercom.AiCompliance.Rules.RejectionReason.NotOnRegionalSubprocessorList));
        server.Requests.Should().BeEmpty("Google is not on the EU subprocessor list, so an EU workspace's data never reaches Vertex AI");
        host.Tokens.Calls.Should().Be(0, "not even a token is fetched for a deployment the plan excludes");
    }

    [Test]
    public async Task SendAsync_Embeddings_PredictsWithOneInstancePerInputAndReadsValuesAndTokenCounts(CancellationToken ct)
    {
        const string predictions = """
            {"predictions":[{"embeddings":{"statistics":{"truncated":false,"token_count":4},"values":[0.25,-0.5,1.0]}},
                            {"embeddings":{"statistics":{"truncated":false,"token_count":3},"values":[0.5,0.5,0.0]}}],
             "metadata":{"billableCharacterCount":30}}
            """;
        await using var server = await FakeProviderServer.StartAsync(_ => Reply.Json(200, predictions));
        await using var host = new VertexHost(server);
        var request = VertexHost.Chat() with { Payload = new EmbeddingPayload(["reset password", "billing"]) };

        var response = await host.Router.SendAsync(request, ct);

        var vectors = ((EmbeddingOutput)response.Output).Vectors;
        vectors[0].ToArray().Should().Equal(0.25f, -0.5f, 1.0f);
        vectors[1].ToArray().Should().Equal(0.5f, 0.5f, 0.0f);
        response.Output.Usage!.InputTokenCount.Should().Be(7);
        var wire = server.Requests.Single();
        wire.Path.Should().Be(VertexHost.PathOf("a", "predict"));
        wire.Json.GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("content").GetString()).Should().Equal("reset password", "billing");
    }

    [Test]
    public async Task SendAsync_ManyCalls_FetchOneTokenAndRenewItOnlyShortlyBeforeItExpires(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(_ => VertexReplies.Completion());
        await using var host = new VertexHost(server);

        await host.Router.SendAsync(VertexHost.Chat(), ct);
        await host.Router.SendAsync(VertexHost.Chat(), ct);
        host.Clock.Advance(TimeSpan.FromMinutes(54));
        await host.Router.SendAsync(VertexHost.Chat(), ct);
        host.Tokens.Calls.Should().Be(1, "the token is valid for an hour and the margin is five minutes");
        host.Clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await host.Router.SendAsync(VertexHost.Chat(), ct);

        host.Tokens.Calls.Should().Be(2);
        server.Requests.Select(r => r.Header("Authorization")).Should().Equal(
            "Bearer " + FakeTokenSource.Prefix + "1", "Bearer " + FakeTokenSource.Prefix + "1", "Bearer " + FakeTokenSource.Prefix + "1", "Bearer " + FakeTokenSource.Prefix + "2");
    }

    [Test]
    public void Start_UnknownKeyInTheVertexSection_StopsTheHostNamingTheKey()
    {
        var start = async () =>
        {
            await using var server = await FakeProviderServer.StartAsync(_ => VertexReplies.Completion());
            await using var host = new VertexHost(server, vertex: [("AiComplianceVertex:ProjectId", VertexHost.Project), ("AiComplianceVertex:Projectid2", "x")]);
        };

        start.Should().ThrowAsync<InvalidOperationException>().WithMessage("*Projectid2*").GetAwaiter().GetResult();
    }

    [Test]
    public void Start_NoProjectId_StopsTheHostNamingTheKey()
    {
        var start = async () =>
        {
            await using var server = await FakeProviderServer.StartAsync(_ => VertexReplies.Completion());
            await using var host = new VertexHost(server, vertex: [("AiComplianceVertex:NonGoogleEndpointLocation", VertexHost.Location)]);
        };

        start.Should().ThrowAsync<Exception>().WithMessage("*AiComplianceVertex:ProjectId*").GetAwaiter().GetResult();
    }

    private sealed record Answer(string Text, int Confidence);
}
