using Azure.Core;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.AzureOpenAI.Tests.Helpers;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Quarantine;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Intercom.AiCompliance.AzureOpenAI.Tests.DependencyInjection;

/// <summary>
/// AddAzureOpenAIClients against a Kestrel fake of Azure OpenAI's v1 API: what the official SDK really sends to Azure, how
/// each documented answer ends in the router, and the served-region check on <c>x-ms-region</c>.
/// </summary>
[CancelAfter(60_000)]
public class AzureOpenAIAiComplianceBuilderExtensionsTests
{
    private static Reply ByDeployment(WireRequest r, Func<WireRequest, Reply> a, Func<WireRequest, Reply>? b = null) =>
        r.Path.StartsWith("/a/", StringComparison.Ordinal) ? a(r) : (b ?? (_ => FakeAzureOpenAIServer.Completion("deployment-b")))(r);

    [Test]
    public async Task SendAsync_Success_SdkSendsTheDeploymentToolsAndResponseFormatToAzuresV1PathWithTheApiKeyHeader(CancellationToken ct)
    {
        await using var server = await FakeAzureOpenAIServer.StartAsync(_ => FakeAzureOpenAIServer.Completion("deployment-a"));
        await using var host = new AzureOpenAIHost(server);
        var options = new ChatOptions
        {
            ModelId = "caller-chosen-model",
            Tools = [AIFunctionFactory.Create((string city) => "sunny", "get_weather", "Weather for a city")],
            ResponseFormat = ChatResponseFormat.Json,
        };

        var response = await host.Router.SendAsync(AzureOpenAIHost.Chat(options), ct);

        response.ServedBy.Id.Should().Be("a");
        response.ServedByClient.Should().Be("OpenAIChatClient", "the OpenAI SDK's own M.E.AI client serves the Azure deployment");
        ((ChatOutput)response.Output).Response.Text.Should().Be("Reset it from Settings.");
        ((ChatOutput)response.Output).Response.Usage!.InputTokenCount.Should().Be(12);
        var record = host.RequestRecords.Single();
        record.Outcome.Should().Be(AuditOutcome.Succeeded);
        record.Attempts.Single().ServedRegion.Should().Be("Sweden Central", "x-ms-region is recorded as Azure reported it");
        record.Attempts.Single().ServedJurisdiction.Should().Be("EU");

        var wire = server.Requests.Single();
        wire.Path.Should().Be("/a/openai/v1/chat/completions", "Azure's v1 API of the deployment's resource");
        wire.ApiKey.Should().Be(AzureOpenAIHost.ApiKey);
        wire.Authorization.Should().BeNull("an API key goes in Azure's api-key header only");
        var body = wire.Json;
        body.GetProperty("model").GetString().Should().Be("deployment-a", "the catalogue's Azure deployment name, not the caller's model");
        body.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString().Should().Be("get_weather");
        body.GetProperty("response_format").GetProperty("type").GetString().Should().Be("json_object");
        (body.TryGetProperty("stream", out var stream) && stream.GetBoolean()).Should().BeFalse();
        host.Quarantine.IsQuarantined("a").Should().BeFalse();
    }

    [Test]
    public async Task SendAsync_EntraIdCredential_SendsItsBearerTokenForAzureAiServices(CancellationToken ct)
    {
        // Bearer tokens are only sent over TLS: this fake listens with https and the deployment's client pins its certificate.
        await using var server = await FakeAzureOpenAIServer.StartAsync(_ => FakeAzureOpenAIServer.Completion("deployment-a"), https: true);
        var credential = new FakeTokenCredential();
        await using var host = new AzureOpenAIHost(server, configure: o => o.Credential = credential,
            host: s => s.AddHttpClient(AzureOpenAIAiComplianceBuilderExtensions.HttpClientName("a")).ConfigurePrimaryHttpMessageHandler(server.PinnedHandler));

        await host.Router.SendAsync(AzureOpenAIHost.Chat(), ct);

        var wire = server.Requests.Single();
        wire.Authorization.Should().Be("Bearer " + FakeTokenCredential.Token);
        wire.ApiKey.Should().BeNull();
        credential.Scopes.Should().Contain(AzureOpenAIProviderOptions.DefaultTokenScope);
    }

    [Test]
    public async Task StreamingThroughTheRouter_SseAnswer_SdkAsksForAStreamAndTheTextArrives(CancellationToken ct)
    {
        await using var server = await FakeAzureOpenAIServer.StartAsync(_ => FakeAzureOpenAIServer.Stream("deployment-a"));
        await using var host = new AzureOpenAIHost(server);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in host.Router.SendStreamingAsync(AzureOpenAIHost.Chat(), ct))
        {
            updates.Add(u);
        }

        updates.ToChatResponse().Text.Should().Be("Hello");
        host.RequestRecords.Single().Outcome.Should().Be(AuditOutcome.Succeeded);
        host.RequestRecords.Single().OutputTokens.Should().Be(2);
        var wire = server.Requests.Single();
        wire.Path.Should().Be("/a/openai/v1/chat/completions");
        wire.Json.GetProperty("stream").GetBoolean().Should().BeTrue();
    }

    [Test]
    public async Task SendAsync_429WithRetryAfter_WaitsTheProvidersDelayThenRetriesTheSameDeployment(CancellationToken ct)
    {
        var calls = 0;
        await using var server = await FakeAzureOpenAIServer.StartAsync(r => ByDeployment(r, _ => Interlocked.Increment(ref calls) == 1
            ? FakeAzureOpenAIServer.Error(429, "429", "Requests to the ChatCompletions_Create Operation have exceeded your rate limit.",
                new Dictionary<string, string> { ["Retry-After"] = "2", ["x-ms-region"] = "Sweden Central" })
            : FakeAzureOpenAIServer.Completion("deployment-a")));
        await using var host = new AzureOpenAIHost(server, maxRetryAttempts: 2);

        var send = host.Router.SendAsync(AzureOpenAIHost.Chat(), ct);
        await Wait.Until(() => host.Clock.PendingDueIn.Contains(TimeSpan.FromSeconds(2)), "the router waits the Retry-After of Azure's 429");
        send.IsCompleted.Should().BeFalse("the SDK itself must not retry: the router waits");
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        var response = await send;

        response.ServedBy.Id.Should().Be("a");
        response.Attempts.Select(a => (a.DeploymentId, a.Failure, a.StatusCode)).Should().Equal(("a", ProviderFailureKind.RateLimited, 429), ("a", null, null));
    }

    [TestCase(500)]
    [TestCase(503)]
    public async Task SendAsync_ServerError_FailsOverToTheNextDeploymentOfThePlanWithoutSdkRetries(int status, CancellationToken ct)
    {
        await using var server = await FakeAzureOpenAIServer.StartAsync(r => ByDeployment(r, _ => FakeAzureOpenAIServer.Error(status, null, "The server had an error")));
        await using var host = new AzureOpenAIHost(server);

        var response = await host.Router.SendAsync(AzureOpenAIHost.Chat(), ct);

        response.ServedBy.Id.Should().Be("b");
        response.Attempts.Select(a => (a.DeploymentId, a.Outcome, a.Failure, a.StatusCode))
            .Should().Equal(("a", AttemptOutcome.TransientFailure, ProviderFailureKind.ServerError, status), ("b", AttemptOutcome.Succeeded, null, null));
        server.Requests.Select(r => r.Path).Should().Equal(["/a/openai/v1/chat/completions", "/b/openai/v1/chat/completions"], "one call per attempt: the SDK's own retries are off");
    }

    [Test]
    public async Task SendAsync_401_StopsWithoutTryingAnotherDeployment(CancellationToken ct)
    {
        await using var server = await FakeAzureOpenAIServer.StartAsync(_ => FakeAzureOpenAIServer.Error(401, "401", "Access denied due to invalid subscription key or wrong API endpoint."));
        await using var host = new AzureOpenAIHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(AzureOpenAIHost.Chat(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        error.Reason.Should().Be(AllCandidatesFailedException.PermanentError);
        error.LastFailure!.Kind.Should().Be(ProviderFailureKind.Authentication);
        server.Requests.Should().ContainSingle("wrong credentials are not a reason to send the data to another deployment");
    }

    [Test]
    public async Task SendAsync_AzureContentFilter_IsARefusalThatIsNotRoutedAround(CancellationToken ct)
    {
        await using var server = await FakeAzureOpenAIServer.StartAsync(_ => FakeAzureOpenAIServer.ContentFilter());
        await using var host = new AzureOpenAIHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(AzureOpenAIHost.Chat(), ct)).Should().ThrowAsync<ProviderRefusalException>()).Which;

        error.DeploymentId.Should().Be("a");
        error.Failure.Kind.Should().Be(ProviderFailureKind.ContentPolicyRefusal);
        error.ToString().Should().NotContain("QUOTED PROMPT");
        server.Requests.Should().ContainSingle("a refusal is never sent to another deployment");
        host.RequestRecords.Single().Outcome.Should().Be(AuditOutcome.ProviderRefused);
    }

    [Test]
    public async Task SendAsync_MalformedSuccessBody_StopsWithoutServingOrTryingAnotherDeployment(CancellationToken ct)
    {
        await using var server = await FakeAzureOpenAIServer.StartAsync(_ => new Reply(200, "{\"id\":\"chatcmpl-1\",\"choices\":[{\"mess", Headers: FakeAzureOpenAIServer.In("Sweden Central")));
        await using var host = new AzureOpenAIHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(AzureOpenAIHost.Chat(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        error.Reason.Should().Be(AllCandidatesFailedException.PermanentError);
        server.Requests.Should().ContainSingle();
        host.RequestRecords.Single().Outcome.Should().Be(AuditOutcome.AllCandidatesFailed);
    }

    [Test]
    public async Task SendAsync_AzureAnswersFromOutsideTheBoundary_QuarantinesFailsOverRecordsCountsAndAClearRestoresTraffic(CancellationToken ct)
    {
        using var metrics = new QuarantineMetrics();
        var aRegion = "East US";
        await using var server = await FakeAzureOpenAIServer.StartAsync(r => ByDeployment(r, _ => FakeAzureOpenAIServer.Completion("deployment-a", region: aRegion)));
        await using var host = new AzureOpenAIHost(server);

        var first = await host.Router.SendAsync(AzureOpenAIHost.Chat(), ct);

        first.ServedBy.Id.Should().Be("b", "an answer processed in the US never reaches an EU workspace: the router fails over inside the plan");
        first.Attempts.Select(a => (a.DeploymentId, a.Outcome)).Should().Equal(("a", AttemptOutcome.ServedOutsideRegions), ("b", AttemptOutcome.Succeeded));
        host.Quarantine.IsQuarantined("a").Should().BeTrue();
        var attempt = host.RequestRecords.Single().Attempts[0];
        (attempt.ServedRegion, attempt.ServedJurisdiction, attempt.Failure).Should().Be(("East US", "US", nameof(ProviderFailureKind.ServedOutsideRegions)));
        var incident = host.QuarantineRecords.Should().ContainSingle().Subject.Quarantine!;
        (incident.Action, incident.DeploymentId, incident.ReportedRegion, incident.RequestEventId).Should().Be(("quarantined", "a", "East US", first.AuditEventId));
        var measurement = metrics.For("a").Should().ContainSingle().Subject;
        measurement["aicompliance.served_region"].Should().Be("East US");
        measurement["aicompliance.served_jurisdiction"].Should().Be("US");

        // The next request goes elsewhere in the plan without calling the quarantined deployment.
        var second = await host.Router.SendAsync(AzureOpenAIHost.Chat(), ct);
        second.ServedBy.Id.Should().Be("b");
        server.Requests.Count(r => r.Path.StartsWith("/a/", StringComparison.Ordinal)).Should().Be(1);
        host.RequestRecords[^1].Rejections.Should().ContainKey(RejectionReasonCodes.DeploymentQuarantined);

        // Azure fixed the routing; an operator clears the quarantine through the API and traffic returns.
        aRegion = "swedencentral";
        (await host.Quarantine.ClearAsync("a", "ops-alice", "Microsoft support case closed: pinned to Sweden Central", ct)).Should().BeTrue();
        var third = await host.Router.SendAsync(AzureOpenAIHost.Chat(), ct);
        third.ServedBy.Id.Should().Be("a");
        host.QuarantineRecords.Last().Quarantine!.Action.Should().Be("cleared");
    }

    [Test]
    public async Task SendAsync_RegionTheTableDoesNotKnow_FailsClosed(CancellationToken ct)
    {
        await using var server = await FakeAzureOpenAIServer.StartAsync(r => ByDeployment(r, _ => FakeAzureOpenAIServer.Completion("deployment-a", region: "Mars North")));
        await using var host = new AzureOpenAIHost(server);

        var response = await host.Router.SendAsync(AzureOpenAIHost.Chat(), ct);

        response.ServedBy.Id.Should().Be("b");
        ((DeploymentQuarantine)host.Quarantine).Find("a")!.Reason.Should().Be(DeploymentQuarantine.ServedRegionUnmapped);
    }

    [TestCase("UK South")]
    [TestCase("Switzerland North")]
    [TestCase("Norway East")]
    public async Task SendAsync_EuropeanRegionOutsideTheEu_IsOutsideAnEuDeployment(string region, CancellationToken ct)
    {
        await using var server = await FakeAzureOpenAIServer.StartAsync(r => ByDeployment(r, _ => FakeAzureOpenAIServer.Completion("deployment-a", region: region)));
        await using var host = new AzureOpenAIHost(server);

        (await host.Router.SendAsync(AzureOpenAIHost.Chat(), ct)).ServedBy.Id.Should().Be("b");

        host.Quarantine.IsQuarantined("a").Should().BeTrue($"{region} is in Europe but not in the EU");
    }

    [Test]
    public async Task StreamingThroughTheRouter_StreamFromOutsideTheBoundary_FailsOverBeforeTheFirstUpdate(CancellationToken ct)
    {
        await using var server = await FakeAzureOpenAIServer.StartAsync(r => r.Path.StartsWith("/a/", StringComparison.Ordinal)
            ? FakeAzureOpenAIServer.Stream("deployment-a", region: "westus")
            : FakeAzureOpenAIServer.Stream("deployment-b"));
        await using var host = new AzureOpenAIHost(server);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in host.Router.SendStreamingAsync(AzureOpenAIHost.Chat(), ct))
        {
            updates.Add(u);
        }

        updates[0].AdditionalProperties![ProviderRouterClientExtensions.DeploymentProperty].Should().Be("b");
        updates.ToChatResponse().Text.Should().Be("Hello");
        host.Quarantine.IsQuarantined("a").Should().BeTrue();
    }

    [Test]
    public async Task AddAzureOpenAIClients_HostHandlerOnTheDeploymentsNamedHttpClient_SeesTheCalls(CancellationToken ct)
    {
        await using var server = await FakeAzureOpenAIServer.StartAsync(_ => FakeAzureOpenAIServer.Completion("deployment-a"));
        var seen = new RecordingHandler();
        await using var host = new AzureOpenAIHost(server, host: s => s.AddHttpClient(AzureOpenAIAiComplianceBuilderExtensions.HttpClientName("a")).AddHttpMessageHandler(() => seen));

        await host.Router.SendAsync(AzureOpenAIHost.Chat(), ct);

        seen.Paths.Should().Equal(["/a/openai/v1/chat/completions"], "calls go through IHttpClientFactory's client named for the deployment");
        host.RequestRecords.Single().Attempts[0].ServedRegion.Should().Be("Sweden Central", "the host's handler does not hide x-ms-region from the check");
    }

    [Test]
    public async Task BuildingTheRouter_NoCredential_FailsNamingTheDeploymentNotAKey()
    {
        await using var server = await FakeAzureOpenAIServer.StartAsync(_ => FakeAzureOpenAIServer.Completion("deployment-a"));

        var build = () => new AzureOpenAIHost(server, configure: _ => { });

        build.Should().Throw<InvalidOperationException>().Which.ToString().Should().Contain("'a'").And.Contain("Credential");
        server.Requests.Should().BeEmpty();
    }

    [TestCase("https://contoso.openai.azure.com", "https://contoso.openai.azure.com/openai/v1")]
    [TestCase("https://contoso.openai.azure.com/", "https://contoso.openai.azure.com/openai/v1")]
    [TestCase("https://contoso.openai.azure.com/openai/v1/", "https://contoso.openai.azure.com/openai/v1")]
    [TestCase("http://127.0.0.1:5000/a", "http://127.0.0.1:5000/a/openai/v1")]
    public void EndpointOf_ResourceEndpoint_IsAzuresV1Api(string endpoint, string expected) =>
        AzureOpenAIDeploymentClientFactory.EndpointOf(new ProviderDeployment { Id = "x", Endpoint = endpoint }).ToString().TrimEnd('/').Should().Be(expected);

    /// <summary>An Entra ID credential that hands out a fixed token and records the scopes asked for.</summary>
    private sealed class FakeTokenCredential : TokenCredential
    {
        public const string Token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.entra-test-token";

        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            lock (Scopes)
            {
                Scopes.AddRange(requestContext.Scopes);
            }

            return new AccessToken(Token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }
}
