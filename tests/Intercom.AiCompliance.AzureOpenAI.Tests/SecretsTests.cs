using Intercom.AiCompliance.Tests.Helpers;
using System.Text.Json;
using Intercom.AiCompliance.AzureOpenAI.Tests.Helpers;
using Intercom.AiCompliance.Routing;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.AzureOpenAI.Tests;

/// <summary>
/// The API key never leaves the request's api-key header: not in logs at Trace level (the SDK's and the HTTP client's
/// included), exceptions, activities, metrics, audit records (request and quarantine records) or ToString().
/// </summary>
[CancelAfter(60_000)]
public class SecretsTests
{
    [Test]
    public async Task Key_ServedFailedQuarantinedAndRejectedCallsAtTraceLevel_NeverInLogsExceptionsActivitiesMetricsOrAudit(CancellationToken ct)
    {
        // A provider that echoes the key in its error messages, in full: nothing the package keeps may carry it on.
        var echo = $"Access denied due to invalid subscription key {AzureOpenAIHost.ApiKey}.";
        var a = 0;
        var b = 0;
        await using var server = await FakeAzureOpenAIServer.StartAsync(r => r.Path.StartsWith("/a/", StringComparison.Ordinal)
            ? Interlocked.Increment(ref a) switch
            {
                1 => FakeAzureOpenAIServer.Completion("deployment-a"),
                2 => FakeAzureOpenAIServer.Error(503, null, echo),
                _ => FakeAzureOpenAIServer.Completion("deployment-a", region: "East US"),
            }
            : Interlocked.Increment(ref b) == 1
                ? FakeAzureOpenAIServer.Completion("deployment-b")
                : FakeAzureOpenAIServer.Error(401, "401", echo));
        var logs = new CapturingLoggerProvider();
        using var scan = new SecretScan(metrics: true);
        var activities = scan.Activities;
        var measurements = scan.Measurements;
        await using var host = new AzureOpenAIHost(server, logs: logs);

        await host.Router.SendAsync(AzureOpenAIHost.Chat(), ct);
        await host.Router.SendAsync(AzureOpenAIHost.Chat(), ct);
        var failure = await FluentActions.Awaiting(() => host.Router.SendAsync(AzureOpenAIHost.Chat(), ct)).Should().ThrowAsync<AiRoutingException>();

        server.Requests.Should().HaveCount(5);
        server.Requests.Should().OnlyContain(r => r.ApiKey == AzureOpenAIHost.ApiKey, "the key does reach the provider");
        host.Quarantine.IsQuarantined("a").Should().BeTrue("the third request's answer came from East US");
        logs.Lines.Should().NotBeEmpty("Trace logging was on, so the SDK's and the HTTP client's logs were captured");
        var fragment = AzureOpenAIHost.ApiKey[8..];
        logs.Lines.Should().NotContain(l => l.Contains(fragment, StringComparison.Ordinal));
        failure.Which.ToString().Should().NotContain(fragment);
        activities.Should().NotBeEmpty();
        SecretScan.ActivitiesShouldNotContain(activities, fragment);

        measurements.Should().Contain(m => m.StartsWith("aicompliance.quarantines", StringComparison.Ordinal));
        measurements.Should().NotContain(m => m.Contains(fragment, StringComparison.Ordinal));
        host.Sink.Outcomes().Should().HaveCount(4, "three requests and one quarantine");
        JsonSerializer.Serialize(host.Sink.Records).Should().NotContain(fragment);
        new AzureOpenAIProviderOptions { ApiKey = AzureOpenAIHost.ApiKey }.ToString().Should().NotContain(fragment);
    }
}
