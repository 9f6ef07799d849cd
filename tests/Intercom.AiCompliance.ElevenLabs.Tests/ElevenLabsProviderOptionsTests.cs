using System.Text.Json;
using Intercom.AiCompliance.ElevenLabs.Tests.Helpers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.ElevenLabs.Tests;

/// <summary>The API key never leaves the request's xi-api-key header: not in logs, exceptions, activities, audit records or ToString().</summary>
[CancelAfter(60_000)]
public class ElevenLabsProviderOptionsTests
{
    [Test]
    public void ToString_KeySet_SaysSetButNeverShowsIt()
    {
        var options = new ElevenLabsProviderOptions { ApiKey = ElevenLabsHost.ApiKey, DefaultVoiceId = "voice1" };

        options.ToString().Should().NotContain(ElevenLabsHost.ApiKey).And.Contain("set (hidden)").And.Contain("voice1");
    }

    [Test]
    public async Task Key_ServedFailedAndRejectedCallsAtTraceLevel_NeverInLogsExceptionsActivitiesOrAudit(CancellationToken ct)
    {
        // A provider that echoes the key it was given in its error message; the fake does so on every error.
        var echo = $"Invalid API key: {ElevenLabsHost.ApiKey}";
        var call = 0;
        await using var server = await FakeProviderServer.StartAsync(r => Interlocked.Increment(ref call) switch
        {
            1 => ElevenLabsReplies.Audio(),
            2 => ElevenLabsReplies.Error(503, "system_busy", echo),
            3 => ElevenLabsReplies.Audio(),
            _ => ElevenLabsReplies.Error(401, "invalid_api_key", echo),
        });
        var logs = new CapturingLoggerProvider();
        using var scan = new SecretScan();
        var activities = scan.Activities;
        await using var host = new ElevenLabsHost(server, logs: logs);

        await host.Router.SendAsync(ElevenLabsHost.Speech(), ct);
        await host.Router.SendAsync(ElevenLabsHost.Speech(), ct);
        var failure = await FluentActions.Awaiting(() => host.Router.SendAsync(ElevenLabsHost.Speech(), ct)).Should().ThrowAsync<AiRoutingException>();

        server.Requests.Should().HaveCount(4);
        server.Requests.Should().OnlyContain(r => r.Header("xi-api-key") == ElevenLabsHost.ApiKey, "the key does reach the provider");
        logs.Lines.Should().NotBeEmpty("Trace logging was on, so the HTTP client's logs were captured");
        logs.Lines.Should().Contain(l => l.Contains("xi-api-key", StringComparison.OrdinalIgnoreCase), "the header is logged at Trace, with its value redacted");
        var fragment = ElevenLabsHost.ApiKey[10..];
        logs.Lines.Should().NotContain(l => l.Contains(fragment, StringComparison.Ordinal));
        failure.Which.ToString().Should().NotContain(fragment);
        SecretScan.ActivitiesShouldNotContain(activities, fragment);

        host.Sink.Outcomes().Should().HaveCount(3);
        JsonSerializer.Serialize(host.Sink.Records).Should().NotContain(fragment);
    }
}
