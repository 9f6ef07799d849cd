using Intercom.AiCompliance.Tests.Helpers;
using System.Text.Json;
using Intercom.AiCompliance.Anthropic.Tests.Helpers;
using Intercom.AiCompliance.Routing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.Anthropic.Tests;

/// <summary>The API key never leaves the request's auth header: not in logs, exceptions, activities, metrics, audit records or ToString().</summary>
[CancelAfter(60_000)]
public class AnthropicProviderOptionsTests
{
    [Test]
    public void ToString_KeySet_SaysSetButNeverShowsIt()
    {
        var options = new AnthropicProviderOptions { ApiKey = AnthropicHost.ApiKey, DefaultMaxOutputTokens = 99 };

        options.ToString().Should().NotContain(AnthropicHost.ApiKey).And.Contain("set (hidden)").And.Contain("99");
    }

    [Test]
    public async Task Key_ServedFailedStreamedAndRejectedCallsAtTraceLevel_NeverInLogsExceptionsActivitiesMetricsOrAudit(CancellationToken ct)
    {
        // An error body that echoes the key in full, on every error: the SDK puts the body in its exception's message.
        var echo = $"invalid x-api-key: {AnthropicHost.ApiKey}";
        var call = 0;
        await using var server = await FakeAnthropicServer.StartAsync(r => Interlocked.Increment(ref call) switch
        {
            1 => FakeAnthropicServer.Message("model-a"),
            2 => FakeAnthropicServer.Error(529, "overloaded_error", echo, new Dictionary<string, string> { ["retry-after"] = "0" }),
            3 => FakeAnthropicServer.Message("model-b"),
            4 => new Reply(200, FakeAnthropicServer.StreamEvents("model-a", ["Hi"], end: false)
                + FakeAnthropicServer.Event("error", new { type = "error", error = new { type = "api_error", message = echo } }), "text/event-stream"),
            _ => FakeAnthropicServer.Error(401, "authentication_error", echo),
        });
        var logs = new CapturingLoggerProvider();
        using var scan = new SecretScan(metrics: true);
        var activities = scan.Activities;
        var measurements = scan.Measurements;
        await using var host = new AnthropicHost(server, logs: logs);
        var failures = new List<Exception>();

        await host.Router.SendAsync(AnthropicHost.Chat(), ct);
        await host.Router.SendAsync(AnthropicHost.Chat(), ct);
        try
        {
            await foreach (var _ in host.Router.AsChatClient(AnthropicHost.Context).GetStreamingResponseAsync("hi", cancellationToken: ct))
            {
            }
        }
        catch (StreamInterruptedException ex)
        {
            failures.Add(ex);
        }

        failures.Add((await FluentActions.Awaiting(() => host.Router.SendAsync(AnthropicHost.Chat(), ct)).Should().ThrowAsync<AiRoutingException>()).Which);
        scan.RecordObservableInstruments();

        server.Requests.Should().HaveCount(5);
        server.Requests.Should().OnlyContain(r => r.Authorization == "Bearer " + AnthropicHost.ApiKey, "the key does reach the provider");
        var fragment = AnthropicHost.ApiKey[14..];
        logs.Lines.Should().NotBeEmpty("Trace logging was on, so the router's and the HTTP client's logs were captured");
        logs.Lines.Should().NotContain(l => l.Contains(fragment, StringComparison.Ordinal));
        failures.Should().HaveCount(2);
        failures.Should().OnlyContain(f => !f.ToString().Contains(fragment, StringComparison.Ordinal));
        activities.Should().NotBeEmpty();
        foreach (var a in activities)
        {
            a.DisplayName.Should().NotContain(fragment);
            a.StatusDescription?.Should().NotContain(fragment);
            a.TagObjects.Should().NotContain(t => (t.Value != null ? t.Value.ToString() : "")!.Contains(fragment, StringComparison.Ordinal));
            a.Events.SelectMany(e => e.Tags).Should().NotContain(t => (t.Value != null ? t.Value.ToString() : "")!.Contains(fragment, StringComparison.Ordinal));
        }

        measurements.Should().NotBeEmpty();
        measurements.Should().NotContain(m => m.Contains(fragment, StringComparison.Ordinal));
        host.Sink.Outcomes().Should().HaveCount(4);
        JsonSerializer.Serialize(host.Sink.Records).Should().NotContain(fragment);
    }
}
