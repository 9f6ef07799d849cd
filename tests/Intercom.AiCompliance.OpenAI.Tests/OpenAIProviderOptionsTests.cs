using System.Text.Json;
using Intercom.AiCompliance.OpenAI.Tests.Helpers;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Routing;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.OpenAI.Tests;

/// <summary>The API key never leaves the request's Authorization header: not in logs, exceptions, activities, audit records or ToString().</summary>
[CancelAfter(60_000)]
public class OpenAIProviderOptionsTests
{
    [Test]
    public void ToString_KeySet_SaysSetButNeverShowsIt()
    {
        var options = new OpenAIProviderOptions { ApiKey = OpenAIHost.ApiKey, ProjectId = "proj_1" };

        options.ToString().Should().NotContain(OpenAIHost.ApiKey).And.Contain("set (hidden)").And.Contain("proj_1");
    }

    [Test]
    public async Task Key_ServedFailedAndRejectedCallsAtTraceLevel_NeverInLogsExceptionsActivitiesOrAudit(CancellationToken ct)
    {
        // OpenAI's 401 echoes the key it was given in its message; the fake does the same, in full, on every error.
        var echo = $"Incorrect API key provided: {OpenAIHost.ApiKey}.";
        var call = 0;
        await using var server = await FakeOpenAIServer.StartAsync(r => Interlocked.Increment(ref call) switch
        {
            1 => FakeOpenAIServer.Completion("model-a"),
            2 => FakeOpenAIServer.Error(503, "server_error", message: echo),
            3 => FakeOpenAIServer.Completion("model-b"),
            _ => FakeOpenAIServer.Error(401, "invalid_request_error", "invalid_api_key", echo),
        });
        var logs = new CapturingLoggerProvider();
        using var scan = new SecretScan();
        var activities = scan.Activities;
        await using var host = new OpenAIHost(server, logs: logs);

        await host.Router.SendAsync(OpenAIHost.Chat(), ct);
        await host.Router.SendAsync(OpenAIHost.Chat(), ct);
        var failure = await FluentActions.Awaiting(() => host.Router.SendAsync(OpenAIHost.Chat(), ct)).Should().ThrowAsync<AiRoutingException>();

        server.Requests.Should().HaveCount(4);
        server.Requests.Should().OnlyContain(r => r.Authorization == "Bearer " + OpenAIHost.ApiKey, "the key does reach the provider");
        logs.Lines.Should().NotBeEmpty("Trace logging was on, so the SDK's and the HTTP client's logs were captured");
        var fragment = OpenAIHost.ApiKey[8..];
        logs.Lines.Should().NotContain(l => l.Contains(fragment, StringComparison.Ordinal));
        failure.Which.ToString().Should().NotContain(fragment);
        activities.Should().NotBeEmpty();
        SecretScan.ActivitiesShouldNotContain(activities, fragment);

        host.Sink.Outcomes().Should().HaveCount(3, "one outcome record per call (the write-ahead intents are checked for the key too, below)");
        JsonSerializer.Serialize(host.Sink.Records).Should().NotContain(fragment);
    }
}
