using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Providers.OpenAI;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Providers;

/// <summary>The real HTTP adapter against a scripted fake on 127.0.0.1.</summary>
public class OpenAICompatibleAdapterTests
{
    private const string ApiKey = "sk-test-local-0000";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static ProviderDeployment At(LocalHttpServer server, string id = "openai-local") =>
        Deployments.Make(id, ProviderKind.OpenAI, capabilities: [Capability.Chat, Capability.Embeddings]) with { Endpoint = server.BaseAddress };

    private static OpenAICompatibleAdapter Adapter() => new(Http, _ => ApiKey);

    [Test]
    public async Task SendAsync_ThroughTheRouter_CallsTheLocalEndpointWithKeyAndModel()
    {
        using var server = new LocalHttpServer((_, _) => (200, """{"model":"gpt-test","choices":[{"message":{"role":"assistant","content":"Reset it from Settings."}}]}""", null));
        var catalog = ProviderCatalog.Create([At(server)], new CatalogValidationOptions { AllowLoopbackEndpoints = true });
        await using var trail = new AuditTrail(new InMemoryAuditSink());
        var router = new ProviderRouter(new RoutingPlanner(catalog, ComplianceRuleSet.Default), [Adapter()],
            new InMemoryWorkspaceProfileStore([Requests.Profile()]), trail);

        var response = await router.SendAsync(Requests.Make());

        ((ChatOutput)response.Output).Response.Text.Should().Be("Reset it from Settings.");
        var (path, auth, body) = server.Requests.Single();
        path.Should().Be("/v1/chat/completions");
        auth.Should().Be($"Bearer {ApiKey}");
        body.Should().Contain("\"model\":\"model-openai-local\"").And.Contain("How do I reset my password?");
    }

    [Test]
    public async Task InvokeAsync_Embeddings_ReturnsVectorsInInputOrder()
    {
        using var server = new LocalHttpServer((_, _) => (200, """{"data":[{"index":1,"embedding":[0.5,0.5]},{"index":0,"embedding":[1,0]}]}""", null));
        var output = (EmbeddingOutput)await Adapter().InvokeAsync(At(server), new EmbeddingPayload(["a", "b"]), default);
        output.Vectors[0].ToArray().Should().Equal(1f, 0f);
        output.Vectors[1].ToArray().Should().Equal(0.5f, 0.5f);
    }

    [TestCase(429, "{}", "Retry-After", "3", ProviderFailureKind.RateLimited, 3000)]
    [TestCase(429, "{}", "retry-after-ms", "1500", ProviderFailureKind.RateLimited, 1500)]
    [TestCase(503, "{}", null, null, ProviderFailureKind.ServerError, -1)]
    [TestCase(408, "{}", null, null, ProviderFailureKind.Timeout, -1)]
    [TestCase(401, "{}", null, null, ProviderFailureKind.Authentication, -1)]
    [TestCase(400, """{"error":{"code":"invalid_request"}}""", null, null, ProviderFailureKind.BadRequest, -1)]
    [TestCase(400, """{"error":{"code":"content_filter","message":"Your prompt 'How do I reset my password?' was flagged"}}""", null, null, ProviderFailureKind.ContentPolicyRefusal, -1)]
    public async Task InvokeAsync_HttpFailure_IsClassifiedWithoutEchoingTheBody(int status, string body, string? header, string? value, ProviderFailureKind kind, int retryAfterMs)
    {
        using var server = new LocalHttpServer((_, _) => (status, body, header is null ? null : new Dictionary<string, string> { [header] = value! }));

        var ex = (await FluentActions.Awaiting(() => Adapter().InvokeAsync(At(server), Requests.PayloadFor(Capability.Chat), default).AsTask())
            .Should().ThrowAsync<ProviderException>()).Which;

        ex.Kind.Should().Be(kind);
        ex.StatusCode.Should().Be(status);
        ex.RetryAfter.Should().Be(retryAfterMs < 0 ? null : TimeSpan.FromMilliseconds(retryAfterMs));
        ex.ToString().Should().NotContain("reset my password").And.NotContain(ApiKey);
    }

    [Test]
    public async Task InvokeAsync_NothingListening_IsATransientConnectionFailure()
    {
        var deployment = Deployments.Make("down", ProviderKind.OpenAI) with { Endpoint = $"http://127.0.0.1:{LocalHttpServer.FreePort()}" };
        var ex = (await FluentActions.Awaiting(() => Adapter().InvokeAsync(deployment, Requests.PayloadFor(Capability.Chat), default).AsTask())
            .Should().ThrowAsync<ProviderException>()).Which;
        ex.Kind.Should().Be(ProviderFailureKind.ConnectionFailure);
        ex.IsTransient.Should().BeTrue();
    }

    [Test]
    public async Task SendAsync_HttpClientTimeoutOnTheFirstDeployment_FailsOverToTheNext()
    {
        const string answer = """{"model":"m","choices":[{"message":{"role":"assistant","content":"from the fast one"}}]}""";
        using var slow = new LocalHttpServer((_, _) =>
        {
            Thread.Sleep(1_500);
            return (200, answer, null);
        });
        using var fast = new LocalHttpServer((_, _) => (200, answer, null));
        var catalog = ProviderCatalog.Create([At(slow, "slow") with { Quality = new QualityPriors { ResolutionRate = 0.9 } }, At(fast, "fast") with { Quality = new QualityPriors { ResolutionRate = 0.5 } }],
            new CatalogValidationOptions { AllowLoopbackEndpoints = true });
        using var impatient = new HttpClient { Timeout = TimeSpan.FromMilliseconds(200) };
        await using var trail = new AuditTrail(new InMemoryAuditSink());
        var router = new ProviderRouter(new RoutingPlanner(catalog, ComplianceRuleSet.Default), [new OpenAICompatibleAdapter(impatient, _ => ApiKey)],
            new InMemoryWorkspaceProfileStore([Requests.Profile()]), trail, new ProviderRouterOptions { Retry = { MaxRetryAttempts = 0 } });

        var response = await router.SendAsync(Requests.Make()).WaitAsync(TimeSpan.FromSeconds(30));

        response.ServedBy.Id.Should().Be("fast", "a client-side timeout is transient: the next compliant deployment is tried");
        response.Attempts[0].Should().Match<RouteAttempt>(a => a.DeploymentId == "slow" && a.Outcome == AttemptOutcome.TransientFailure && a.Failure == ProviderFailureKind.Timeout);
    }

    [Test]
    public async Task InvokeAsync_CapabilityItDoesNotSpeak_IsABadRequest() =>
        (await FluentActions.Awaiting(() => Adapter().InvokeAsync(Deployments.Make("x"), Requests.PayloadFor(Capability.SpeechSynthesis), default).AsTask())
            .Should().ThrowAsync<ProviderException>()).Which.Kind.Should().Be(ProviderFailureKind.BadRequest);
}
