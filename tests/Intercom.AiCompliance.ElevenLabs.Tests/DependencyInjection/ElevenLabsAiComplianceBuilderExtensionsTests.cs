using System.Text;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.ElevenLabs.Tests.Helpers;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Intercom.AiCompliance.ElevenLabs.Tests.DependencyInjection;

/// <summary>
/// AddElevenLabsClients against a Kestrel fake of the ElevenLabs API: what the clients really send (path, query with
/// <c>output_format</c> and <c>enable_logging=false</c>, <c>xi-api-key</c>, JSON and multipart bodies), and how each documented
/// answer ends in the router (served, waited, failed over inside the plan, stopped, refused).
/// </summary>
[CancelAfter(60_000)]
public class ElevenLabsAiComplianceBuilderExtensionsTests
{
    private static Reply ByDeployment(WireRequest r, Func<WireRequest, Reply> a, Func<WireRequest, Reply>? b = null) =>
        r.Path.StartsWith("/a/", StringComparison.Ordinal) ? a(r) : (b ?? (_ => ElevenLabsReplies.Audio()))(r);

    [Test]
    public async Task SendAsync_Speech_PostsTextModelAndVoiceWithZeroRetentionAndServesTheAudio(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(_ => ElevenLabsReplies.Audio());
        await using var host = new ElevenLabsHost(server);

        var response = await host.Router.SendAsync(ElevenLabsHost.Speech(), ct);

        response.ServedBy.Id.Should().Be("a");
        response.ServedByClient.Should().Be("ElevenLabsTextToSpeechClient");
        var speech = (SpeechOutput)response.Output;
        speech.Audio.ToArray().Should().Equal(ElevenLabsReplies.Mp3);
        speech.MediaType.Should().Be("audio/mpeg");
        host.Sink.Outcomes().Single().Outcome.Should().Be(AuditOutcome.Succeeded);

        var wire = server.Requests.Single();
        wire.Method.Should().Be("POST");
        wire.Path.Should().Be("/a/v1/text-to-speech/" + ElevenLabsHost.Voice);
        wire.Query.Should().Be("?output_format=mp3_44100_128&enable_logging=false");
        wire.Header("xi-api-key").Should().Be(ElevenLabsHost.ApiKey);
        wire.Header("Authorization").Should().BeNull("ElevenLabs takes its key in xi-api-key only");
        wire.Json.GetProperty("text").GetString().Should().Be("Your refund is on its way.");
        wire.Json.GetProperty("model_id").GetString().Should().Be("model-a", "the plan's deployment decides the model");
    }

    [Test]
    public async Task GetStreamingAudioAsync_ChunkedAudio_PostsToStreamAndSurfacesEachChunkAsAnUpdate(CancellationToken ct)
    {
        byte[][] chunks = [[0xFF, 0xFB, 0x90], [0x64, 0x00, 0x0F], [0xF0, 0x00]];
        await using var server = await FakeProviderServer.StartAsync(_ => new Reply(200, [], "audio/mpeg", Chunks: chunks));
        await using var host = new ElevenLabsHost(server);
        using var client = host.TextToSpeechClient("a");

        var updates = new List<TextToSpeechResponseUpdate>();
        await foreach (var u in client.GetStreamingAudioAsync("Hello there", new TextToSpeechOptions { VoiceId = ElevenLabsHost.Voice, AudioFormat = "pcm_16000", Language = "en-GB", Speed = 1.1f }, ct))
        {
            updates.Add(u);
        }

        var audio = updates.SelectMany(u => u.Contents.OfType<DataContent>()).SelectMany(d => d.Data.ToArray()).ToArray();
        audio.Should().Equal(chunks.SelectMany(c => c));
        updates.Count(u => u.Kind == TextToSpeechResponseUpdateKind.AudioUpdating).Should().BeGreaterThan(0);
        updates.Last().Kind.Should().Be(TextToSpeechResponseUpdateKind.SessionClose);
        var wire = server.Requests.Single();
        wire.Path.Should().Be("/a/v1/text-to-speech/" + ElevenLabsHost.Voice + "/stream");
        wire.Query.Should().Be("?output_format=pcm_16000&enable_logging=false");
        wire.Json.GetProperty("language_code").GetString().Should().Be("en");
        wire.Json.GetProperty("voice_settings").GetProperty("speed").GetDouble().Should().BeApproximately(1.1, 1e-6);
    }

    [Test]
    public async Task SendAsync_Transcription_PostsMultipartFileModelWithZeroRetentionAndReadsTheText(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(_ => Reply.Json(200, """{"language_code":"en","language_probability":0.98,"text":"reset my password","words":[]}"""));
        await using var host = new ElevenLabsHost(server);
        byte[] audio = [1, 2, 3, 4, 5];

        var response = await host.Router.SendAsync(ElevenLabsHost.Transcription(audio), ct);

        ((TranscriptOutput)response.Output).Text.Should().Be("reset my password");
        var wire = server.Requests.Single();
        wire.Path.Should().Be("/a/v1/speech-to-text");
        wire.Query.Should().Be("?enable_logging=false");
        wire.ContentType.Should().StartWith("multipart/form-data");
        wire.Header("xi-api-key").Should().Be(ElevenLabsHost.ApiKey);
        wire.Form!["model_id"].Should().Be("model-a");
        wire.FileName.Should().Be("file");
        wire.File.Should().Equal(audio);
    }

    [Test]
    public async Task SendAsync_AHostHandlerStripsEnableLogging_TheRequestNeverLeavesTheProcess(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(_ => ElevenLabsReplies.Audio());
        await using var host = new ElevenLabsHost(server, host: services =>
        {
            services.AddHttpClient(ElevenLabsAiComplianceBuilderExtensions.HttpClientName("a")).AddHttpMessageHandler(() => new QueryRewritingHandler(q => q.Replace("&enable_logging=false", "", StringComparison.Ordinal)));
            services.AddHttpClient(ElevenLabsAiComplianceBuilderExtensions.HttpClientName("b")).AddHttpMessageHandler(() => new QueryRewritingHandler(q => q.Replace("enable_logging=false", "enable_logging=true", StringComparison.Ordinal)));
        });

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(ElevenLabsHost.Speech(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        error.Reason.Should().Be(AllCandidatesFailedException.PermanentError, "a request that would be logged is refused, never retried elsewhere");
        error.LastFailure!.ExceptionType.Should().EndWith(nameof(ZeroRetentionNotRequestedException));
        server.Requests.Should().BeEmpty("a request without enable_logging=false cannot leave the process");
    }

    [Test]
    public async Task SendAsync_DeploymentWhoseZeroRetentionIsAnAccountContract_SendsNoEnableLoggingAndIsNotGuarded(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(_ => ElevenLabsReplies.Audio());
        await using var host = new ElevenLabsHost(server, elevenLabs:
        [
            ("AiComplianceElevenLabs:ApiKey", ElevenLabsHost.ApiKey),
            ("AiComplianceElevenLabs:ZeroRetentionByAccountContract:0", "a"),
        ]);

        await host.Router.SendAsync(ElevenLabsHost.Speech(), ct);

        server.Requests.Single().Query.Should().Be("?output_format=mp3_44100_128");
    }

    [Test]
    public async Task Start_EuDeploymentListedAsZeroRetentionByAccountContract_StopsTheHost()
    {
        await using var server = await FakeProviderServer.StartAsync(_ => ElevenLabsReplies.Audio());

        var start = () => new ElevenLabsHost(server, deploymentRegion: "EU", elevenLabs:
        [
            ("AiComplianceElevenLabs:ApiKey", ElevenLabsHost.ApiKey),
            ("AiComplianceElevenLabs:ZeroRetentionByAccountContract:0", "a"),
        ]);

        start.Should().Throw<Exception>().Where(e => e.ToString().Contains("ZeroRetentionByAccountContract", StringComparison.Ordinal)
            && e.ToString().Contains("'a'", StringComparison.Ordinal));
    }

    [Test]
    public async Task SendAsync_429WithRetryAfter_WaitsTheProvidersDelayThenRetriesTheSameDeployment(CancellationToken ct)
    {
        var calls = 0;
        await using var server = await FakeProviderServer.StartAsync(r => ByDeployment(r, _ => Interlocked.Increment(ref calls) == 1
            ? ElevenLabsReplies.Error(429, "too_many_concurrent_requests", headers: new Dictionary<string, string> { ["Retry-After"] = "2" })
            : ElevenLabsReplies.Audio()));
        await using var host = new ElevenLabsHost(server, maxRetryAttempts: 2);

        var send = host.Router.SendAsync(ElevenLabsHost.Speech(), ct);
        await Wait.Until(() => host.Clock.PendingDueIn.Contains(TimeSpan.FromSeconds(2)), "the router waits the Retry-After of the 429");
        send.IsCompleted.Should().BeFalse();
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        var response = await send;

        response.ServedBy.Id.Should().Be("a");
        response.Attempts.Select(a => (a.DeploymentId, a.Failure, a.StatusCode)).Should().Equal(("a", ProviderFailureKind.RateLimited, 429), ("a", null, null));
    }

    [Test]
    public async Task SendAsync_503_FailsOverToTheNextDeploymentOfThePlan(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(r => ByDeployment(r, _ => ElevenLabsReplies.Error(503, "system_busy", "We are busy")));
        await using var host = new ElevenLabsHost(server);

        var response = await host.Router.SendAsync(ElevenLabsHost.Speech(), ct);

        response.ServedBy.Id.Should().Be("b");
        response.Attempts.Select(a => (a.DeploymentId, a.Outcome, a.Failure, a.StatusCode))
            .Should().Equal(("a", AttemptOutcome.TransientFailure, ProviderFailureKind.ServerError, 503), ("b", AttemptOutcome.Succeeded, null, null));
        server.Requests.Select(r => r.Path).Should().Equal("/a/v1/text-to-speech/" + ElevenLabsHost.Voice, "/b/v1/text-to-speech/" + ElevenLabsHost.Voice);
        server.Requests.Should().OnlyContain(r => r.Query.Contains("enable_logging=false", StringComparison.Ordinal));
    }

    [Test]
    public async Task SendAsync_ApiKeyProvider_GivesEachDeploymentItsOwnEnvironmentsKey(CancellationToken ct)
    {
        const string euKey = "sk_eu_residency_Secret999";
        await using var server = await FakeProviderServer.StartAsync(r => ByDeployment(r, _ => ElevenLabsReplies.Error(503, "system_busy")));
        await using var host = new ElevenLabsHost(server, configure: o => o.ApiKeyProvider = (_, d) => d.Id == "b" ? euKey : null);

        (await host.Router.SendAsync(ElevenLabsHost.Speech(), ct)).ServedBy.Id.Should().Be("b");

        server.Requests.Select(r => r.Header("xi-api-key")).Should().Equal(ElevenLabsHost.ApiKey, euKey);
    }

    [Test]
    public async Task SendAsync_401_StopsWithoutTryingAnotherDeployment(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(_ => ElevenLabsReplies.Error(401, "invalid_api_key", "Invalid API key"));
        await using var host = new ElevenLabsHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(ElevenLabsHost.Speech(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        error.Reason.Should().Be(AllCandidatesFailedException.PermanentError);
        error.LastFailure!.Kind.Should().Be(ProviderFailureKind.Authentication);
        server.Requests.Should().ContainSingle();
    }

    [Test]
    public async Task SendAsync_BadPrompt400_IsARefusalThatIsNotRoutedAround(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(_ => ElevenLabsReplies.Error(400, "bad_prompt", "Your prompt 'Your refund is on its way' violated our Terms of Service."));
        await using var host = new ElevenLabsHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(ElevenLabsHost.Speech(), ct)).Should().ThrowAsync<ProviderRefusalException>()).Which;

        error.Failure.Kind.Should().Be(ProviderFailureKind.ContentPolicyRefusal);
        error.ToString().Should().NotContain("refund");
        server.Requests.Should().ContainSingle("a refusal is never sent to another deployment");
    }

    [Test]
    public async Task SendAsync_422ValidationError_StopsAsABadRequest(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(_ => Reply.Json(422, """{"detail":[{"loc":["body","text"],"msg":"Field required","type":"missing"}]}"""));
        await using var host = new ElevenLabsHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(ElevenLabsHost.Speech(), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        error.LastFailure!.Kind.Should().Be(ProviderFailureKind.BadRequest);
        server.Requests.Should().ContainSingle();
    }

    [Test]
    public async Task SendAsync_MalformedTranscript_StopsWithoutServing(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(_ => Reply.Json(200, """{"language_code":"en","tex"""));
        await using var host = new ElevenLabsHost(server);

        var error = (await FluentActions.Awaiting(() => host.Router.SendAsync(ElevenLabsHost.Transcription([1, 2, 3]), ct)).Should().ThrowAsync<AllCandidatesFailedException>()).Which;

        error.Reason.Should().Be(AllCandidatesFailedException.PermanentError);
        server.Requests.Should().ContainSingle();
        host.Sink.Outcomes().Single().Outcome.Should().NotBe(AuditOutcome.Succeeded);
    }

    [Test]
    public async Task SendAsync_EmptyAudio_StopsWithoutServing(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(_ => ElevenLabsReplies.Audio([]));
        await using var host = new ElevenLabsHost(server);

        await FluentActions.Awaiting(() => host.Router.SendAsync(ElevenLabsHost.Speech(), ct)).Should().ThrowAsync<AllCandidatesFailedException>();

        server.Requests.Should().ContainSingle();
    }

    [Test]
    public async Task SendAsync_EuWorkspace_NeverReachesElevenLabsEvenAtItsEuResidencyEnvironment(CancellationToken ct)
    {
        await using var server = await FakeProviderServer.StartAsync(_ => ElevenLabsReplies.Audio());
        await using var host = new ElevenLabsHost(server, workspaceRegion: "EU", deploymentRegion: "EU");

        await FluentActions.Awaiting(() => host.Router.SendAsync(ElevenLabsHost.Speech(), ct)).Should().ThrowAsync<NoCompliantRouteException>();

        server.Requests.Should().BeEmpty("ElevenLabs is not on the EU subprocessor list, so an EU workspace's data never reaches it");
    }

    [Test]
    public async Task Start_UnknownKeyInTheElevenLabsSection_StopsTheHostNamingTheKey()
    {
        await using var server = await FakeProviderServer.StartAsync(_ => ElevenLabsReplies.Audio());

        var start = () => new ElevenLabsHost(server, elevenLabs: [("AiComplianceElevenLabs:ApiKey", ElevenLabsHost.ApiKey), ("AiComplianceElevenLabs:EnableLogging", "true")]);

        start.Should().Throw<InvalidOperationException>().Where(e => e.ToString().Contains("EnableLogging", StringComparison.Ordinal));
    }

    [Test]
    public async Task Start_NoApiKey_StopsTheHostNamingTheDeployment()
    {
        await using var server = await FakeProviderServer.StartAsync(_ => ElevenLabsReplies.Audio());

        var start = () => new ElevenLabsHost(server, elevenLabs: []);

        start.Should().Throw<Exception>().Where(e => e.ToString().Contains("AiComplianceElevenLabs:ApiKey", StringComparison.Ordinal));
    }

    /// <summary>A host's handler that rewrites the query of every request it passes on.</summary>
    private sealed class QueryRewritingHandler(Func<string, string> rewrite) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            request.RequestUri = new UriBuilder(uri) { Query = rewrite(uri.Query).TrimStart('?') }.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
