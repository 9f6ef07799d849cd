using System.Text.Json;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Vertex.Tests.Helpers;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.Vertex.Tests;

/// <summary>Neither the access token nor the service account key appears in logs, exceptions, activities, audit records or ToString().</summary>
[CancelAfter(60_000)]
public class VertexProviderOptionsTests
{
    private const string PrivateKeyMarker = "MIIEvSECRETPRIVATEKEYMATERIAL";

    [Test]
    public void ToString_ServiceAccountKeySet_SaysSetButNeverShowsIt()
    {
        var options = new VertexProviderOptions { ProjectId = "proj-1", ServiceAccountJson = "{\"private_key\":\"" + PrivateKeyMarker + "\"}" };

        options.ToString().Should().NotContain(PrivateKeyMarker).And.Contain("set (hidden)").And.Contain("proj-1");
        new VertexAccessToken(FakeTokenSource.Prefix + "9", DateTimeOffset.UnixEpoch).ToString().Should().NotContain(FakeTokenSource.Prefix);
    }

    [Test]
    public async Task GoogleTokenSource_ServiceAccountJsonThatIsNotAKey_FailsAsAuthenticationWithoutQuotingIt(CancellationToken ct)
    {
        var options = Options.Create(new VertexProviderOptions { ProjectId = "proj-1", ServiceAccountJson = "{\"type\":\"service_account\",\"private_key\":\"" + PrivateKeyMarker + "\"}" });
        var source = new GoogleVertexAccessTokenSource(options, TimeProvider.System);

        var error = (await FluentActions.Awaiting(() => source.GetTokenAsync(ct).AsTask()).Should().ThrowAsync<ProviderException>()).Which;

        error.Kind.Should().Be(ProviderFailureKind.Authentication);
        error.ToString().Should().NotContain(PrivateKeyMarker).And.Contain("AiComplianceVertex:ServiceAccountJson");
    }

    [Test]
    public async Task Token_ServedFailedAndRejectedCallsAtTraceLevel_NeverInLogsExceptionsActivitiesOrAudit(CancellationToken ct)
    {
        // An error body that quotes the bearer token, in full, on every error.
        var echo = $"Invalid credentials: Bearer {FakeTokenSource.Prefix}1";
        var call = 0;
        await using var server = await FakeProviderServer.StartAsync(r => Interlocked.Increment(ref call) switch
        {
            1 => VertexReplies.Completion(),
            2 => VertexReplies.Error(503, "UNAVAILABLE", echo),
            3 => VertexReplies.Completion(),
            _ => VertexReplies.Error(401, "UNAUTHENTICATED", echo),
        });
        var logs = new CapturingLoggerProvider();
        using var scan = new SecretScan();
        var activities = scan.Activities;
        await using var host = new VertexHost(server, logs: logs);

        await host.Router.SendAsync(VertexHost.Chat(), ct);
        await host.Router.SendAsync(VertexHost.Chat(), ct);
        var failure = await FluentActions.Awaiting(() => host.Router.SendAsync(VertexHost.Chat(), ct)).Should().ThrowAsync<AiRoutingException>();

        server.Requests.Should().HaveCount(4);
        server.Requests.Should().OnlyContain(r => r.Header("Authorization") == "Bearer " + FakeTokenSource.Prefix + "1", "the token does reach the provider");
        logs.Lines.Should().Contain(l => l.Contains("Authorization", StringComparison.Ordinal), "the header is logged at Trace, with its value redacted");
        logs.Lines.Should().NotContain(l => l.Contains(FakeTokenSource.Prefix, StringComparison.Ordinal));
        failure.Which.ToString().Should().NotContain(FakeTokenSource.Prefix);
        SecretScan.ActivitiesShouldNotContain(activities, FakeTokenSource.Prefix);

        host.Sink.Outcomes().Should().HaveCount(3);
        JsonSerializer.Serialize(host.Sink.Records).Should().NotContain(FakeTokenSource.Prefix);
    }
}
