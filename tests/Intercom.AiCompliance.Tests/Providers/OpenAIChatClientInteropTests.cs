using System.ClientModel;
using System.ClientModel.Primitives;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Intercom.AiCompliance.Tests.Providers;

/// <summary>
/// The OpenAI SDK's own IChatClient (OpenAI + Microsoft.Extensions.AI.OpenAI) serving deployments, against a loopback
/// fake of the chat completions API: the router's failure classification must understand what that client throws.
/// </summary>
[CancelAfter(30_000)]
public class OpenAIChatClientInteropTests
{
    private const string Completion = """
        {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"MODEL",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Reset it from Settings."},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}
        """;

    private static ProviderDeployment[] TwoOpenAI() =>
        [Deployments.Make("a", ProviderKind.OpenAI, resolution: 0.9), Deployments.Make("b", ProviderKind.OpenAI, resolution: 0.5)];

    private static DeploymentClientRegistry OpenAISdkClients(LocalHttpServer server) =>
        new DeploymentClientRegistry().Add<IChatClient>(ProviderKind.OpenAI, (_, d) =>
            new OpenAIClient(new ApiKeyCredential("sk-local"), new OpenAIClientOptions
            {
                Endpoint = new Uri(server.BaseAddress + "/v1"),
                // The router's policies decide retries and failover, inside the compliant set only.
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            }).GetChatClient(d.Model).AsIChatClient());

    [Test]
    public async Task OpenAISdkClient_503ThenAnotherDeployment_FailsOverAndServes()
    {
        using var server = new LocalHttpServer((_, body) => body.Contains("\"model-a\"", StringComparison.Ordinal)
            ? (503, """{"error":{"message":"The engine is currently overloaded","type":"server_error"}}""", null)
            : (200, Completion.Replace("MODEL", "model-b", StringComparison.Ordinal), null));
        var options = new ProviderRouterOptions { Retry = { MaxRetryAttempts = 0 } };
        await using var f = new RouterFixture(TwoOpenAI(), options: options, clients: OpenAISdkClients(server));

        var response = await f.Router.SendAsync(Requests.Make());

        response.ServedBy.Id.Should().Be("b", "a 503 from the OpenAI SDK is transient and fails over");
        response.ServedByClient.Should().Be("OpenAIChatClient");
        var chat = ((ChatOutput)response.Output).Response;
        chat.Text.Should().Be("Reset it from Settings.");
        chat.Usage!.TotalTokenCount.Should().Be(17);
        response.Attempts.Select(a => (a.DeploymentId, a.Outcome, a.Failure, a.StatusCode))
            .Should().Equal(("a", AttemptOutcome.TransientFailure, ProviderFailureKind.ServerError, 503), ("b", AttemptOutcome.Succeeded, null, null));
        f.Records.Single().InputTokens.Should().Be(12);
        server.Requests.Should().HaveCount(2);
        server.Requests.Should().OnlyContain(r => r.Path == "/v1/chat/completions" && r.Authorization == "Bearer sk-local");
    }

    [Test]
    public async Task OpenAISdkClient_429WithRetryAfterMs_WaitsThenRetriesTheSameDeployment()
    {
        var calls = 0;
        using var server = new LocalHttpServer((_, _) => Interlocked.Increment(ref calls) == 1
            ? (429, """{"error":{"message":"Rate limit reached","type":"requests"}}""", new Dictionary<string, string> { ["retry-after-ms"] = "1500" })
            : (200, Completion.Replace("MODEL", "model-a", StringComparison.Ordinal), null));
        var clock = new FakeTimeProvider();
        var options = new ProviderRouterOptions { Retry = { MaxRetryAttempts = 2, BaseDelay = TimeSpan.Zero, UseJitter = false } };
        await using var f = new RouterFixture(TwoOpenAI(), clock, options, clients: OpenAISdkClients(server));

        var send = f.Router.SendAsync(Requests.Make());
        await Wait.Until(() => clock.PendingDueIn.Contains(TimeSpan.FromMilliseconds(1500)), "the router waits the provider's retry-after-ms");
        send.IsCompleted.Should().BeFalse();
        clock.Advance(TimeSpan.FromMilliseconds(1500));
        var response = await send;

        response.ServedBy.Id.Should().Be("a", "a rate limit with a short Retry-After is waited out, not failed over");
        response.Attempts.Select(a => (a.DeploymentId, a.Failure, a.StatusCode))
            .Should().Equal(("a", ProviderFailureKind.RateLimited, 429), ("a", null, null));
        calls.Should().Be(2);
    }

    [Test]
    public async Task OpenAISdkClient_ContentFilter_IsARefusalThatIsNotRoutedAround()
    {
        using var server = new LocalHttpServer((_, _) =>
            (400, """{"error":{"message":"The response was filtered: it quoted the user's words","type":"invalid_request_error","code":"content_filter"}}""", null));
        await using var f = new RouterFixture(TwoOpenAI(), clients: OpenAISdkClients(server));

        var error = (await FluentActions.Awaiting(() => f.Router.SendAsync(Requests.Make())).Should().ThrowAsync<ProviderRefusalException>()).Which;

        error.DeploymentId.Should().Be("a");
        error.Failure.Kind.Should().Be(ProviderFailureKind.ContentPolicyRefusal);
        error.Message.Should().NotContain("quoted");
        server.Requests.Should().HaveCount(1, "a refusal is never sent to another deployment");
    }

    [Test]
    public async Task OpenAISdkClient_StreamsThroughTheRouter()
    {
        const string sse = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"model-a\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n"
            + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"model-a\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n"
            + "data: [DONE]\n\n";
        using var server = new LocalHttpServer((_, _) => (200, sse, new Dictionary<string, string> { ["Content-Type"] = "text/event-stream" }));
        await using var f = new RouterFixture(TwoOpenAI(), clients: OpenAISdkClients(server));
        var view = f.Router.AsChatClient(new ComplianceContext { WorkspaceId = "ws-1", Product = Intercom.AiCompliance.Workspaces.AiProduct.FinAiAgent, Purpose = Intercom.AiCompliance.Workspaces.Purpose.AnsweringEndUser });

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in view.GetStreamingResponseAsync("hi"))
        {
            updates.Add(u);
        }

        updates.ToChatResponse().Text.Should().Be("Hello");
        f.Records.Single().Outcome.Should().Be(Intercom.AiCompliance.Audit.AuditOutcome.Succeeded);
    }
}
