using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Tests.Routing;

/// <summary>
/// Speech-to-text and text-to-speech stream through the router from each deployment's own streaming method, with the
/// rules of chat streaming: failover only before the first update, a typed error after it, the attempt, idle and total
/// timeouts, and exactly one audit record per stream.
/// </summary>
[CancelAfter(60_000)]
public class ProviderRouterSpeechStreamingTests
{
    private static readonly ComplianceContext Context = new()
    {
        WorkspaceId = "ws-1",
        Product = AiProduct.FinAiAgent,
        Purpose = Purpose.AnsweringEndUser,
    };

    private static readonly Capability[] Speech = [Capability.Transcription, Capability.SpeechSynthesis];

    private static (ProviderDeployment[] Deployments, DeploymentClientRegistry Registry, Dictionary<string, StreamingSpeechClient> Clients) Setup()
    {
        ProviderDeployment[] deployments = [Deployments.Make("a", capabilities: Speech, resolution: 0.9), Deployments.Make("b", capabilities: Speech, resolution: 0.5)];
        var clients = deployments.ToDictionary(d => d.Id, d => new StreamingSpeechClient(d.Id));
        var registry = new DeploymentClientRegistry();
        foreach (var (id, client) in clients)
        {
            registry.Add<ISpeechToTextClient>(id, client);
            registry.Add<ITextToSpeechClient>(id, client);
        }

        return (deployments, registry, clients);
    }

    private static async Task<(List<T> Updates, Exception? Error)> ReadAll<T>(IAsyncEnumerable<T> stream)
    {
        var updates = new List<T>();
        try
        {
            await foreach (var u in stream)
            {
                updates.Add(u);
            }

            return (updates, null);
        }
        catch (Exception ex)
        {
            return (updates, ex);
        }
    }

    [Test]
    public async Task Transcription_StreamsFromTheDeploymentsStreamingMethod_UpdateByUpdateWithOneRecord()
    {
        var (deployments, registry, clients) = Setup();
        await using var f = new RouterFixture(deployments, clients: registry);
        var gate = new TaskCompletionSource();
        clients["a"].Transcripts = ct => Transcript(["reset ", "my "], then: async c => await gate.Task.WaitAsync(c), more: ["password"], cancellationToken: ct);

        using var audio = new MemoryStream([1, 2, 3, 4]);
        await using var e = f.Router.AsSpeechToTextClient(Context).GetStreamingTextAsync(audio).GetAsyncEnumerator();
        (await e.MoveNextAsync()).Should().BeTrue();
        e.Current.Text.Should().Be("reset ");
        e.Current.AdditionalProperties![ProviderRouterClientExtensions.DeploymentProperty].Should().Be("a");
        (await e.MoveNextAsync()).Should().BeTrue();
        e.Current.Text.Should().Be("my ", "updates reach the caller while the deployment is still transcribing");
        f.Records.Should().BeEmpty("the record is written when the stream ends");
        gate.SetResult();
        var rest = new List<string>();
        while (await e.MoveNextAsync())
        {
            rest.Add(e.Current.Text);
        }

        rest.Should().StartWith("password");
        clients["a"].StreamingCalls.Should().Be(1);
        clients["a"].OneShotCalls.Should().Be(0, "the deployment's own streaming method is used, not one call handed out as updates");
        var record = f.Records.Single();
        (record.Outcome, record.ServedBy, record.Capability).Should().Be((AuditOutcome.Succeeded, "a", "Transcription"));
        record.InputTokens.Should().Be(7, "usage the client reported in the stream is kept");
        record.OutputDigest.Should().NotBeNull();
    }

    [Test]
    public async Task Transcription_FailsBeforeTheFirstUpdate_FailsOverInsideThePlan()
    {
        var (deployments, registry, clients) = Setup();
        await using var f = new RouterFixture(deployments, clients: registry);
        clients["a"].Transcripts = ct => Transcript([], fail: new ProviderException(ProviderFailureKind.ServerError, "503", 503), cancellationToken: ct);

        var (updates, error) = await ReadAll(f.Router.SendStreamingTranscriptionAsync(Requests.Make(capability: Capability.Transcription)));

        error.Should().BeNull();
        updates.ToSpeechToTextResponse().Text.Should().StartWith("from b");
        var record = f.Records.Single();
        record.ServedBy.Should().Be("b");
        record.Attempts.Select(a => (a.DeploymentId, a.Outcome)).Should().StartWith(("a", "TransientFailure")).And.EndWith(("b", "Succeeded"));
        record.Attempts.Should().NotContain(a => a.DeploymentId == "b" && a.Outcome != "Succeeded");
    }

    [Test]
    public async Task Transcription_FailsAfterTheSecondUpdate_EndsTypedWithoutFailoverAndAuditSaysPartial()
    {
        var (deployments, registry, clients) = Setup();
        await using var f = new RouterFixture(deployments, clients: registry);
        clients["a"].Transcripts = ct => Transcript(["reset ", "my "], fail: new ProviderException(ProviderFailureKind.ServerError, "it said: reset my", 503), cancellationToken: ct);

        var (updates, error) = await ReadAll(f.Router.AsSpeechToTextClient(Context).GetStreamingTextAsync(new MemoryStream([1, 2])));

        updates.Should().HaveCount(2);
        var interrupted = error.Should().BeOfType<StreamInterruptedException>().Subject;
        (interrupted.UpdatesDelivered, interrupted.CharactersDelivered, interrupted.DeploymentId).Should().Be((2, "reset my ".Length, "a"));
        interrupted.Message.Should().NotContain("reset");
        clients["b"].StreamingCalls.Should().Be(0, "after the first update nothing is failed over");
        f.Records.Single().Outcome.Should().Be(AuditOutcome.Partial);
    }

    [Test]
    public async Task Transcription_FirstUpdateSlowerThanTheAttemptTimeout_FailsOver()
    {
        var clock = new FakeTimeProvider();
        var options = new ProviderRouterOptions { AttemptTimeout = TimeSpan.FromSeconds(2), Retry = { MaxRetryAttempts = 0, BaseDelay = TimeSpan.Zero, UseJitter = false } };
        var (deployments, registry, clients) = Setup();
        await using var f = new RouterFixture(deployments, clock, options, clients: registry);
        clients["a"].Transcripts = ct => Transcript([], then: c => Task.Delay(Timeout.InfiniteTimeSpan, c), more: ["late"], cancellationToken: ct);

        var read = ReadAll(f.Router.SendStreamingTranscriptionAsync(Requests.Make(capability: Capability.Transcription)));
        await Wait.Until(() => clock.PendingDueIn.Contains(TimeSpan.FromSeconds(2)), "the attempt timeout bounds the wait for the first update");
        clock.Advance(TimeSpan.FromSeconds(2));
        var (updates, error) = await read;

        error.Should().BeNull();
        updates.ToSpeechToTextResponse().Text.Should().StartWith("from b");
        f.Records.Single().Attempts.Select(a => (a.DeploymentId, a.Failure)).Should().Equal(("a", "Timeout"), ("b", null));
    }

    [Test]
    public async Task Speech_StreamsAudioChunksFromTheDeploymentsStreamingMethod()
    {
        var (deployments, registry, clients) = Setup();
        await using var f = new RouterFixture(deployments, clients: registry);

        var (updates, error) = await ReadAll(f.Router.AsTextToSpeechClient(Context).GetStreamingAudioAsync("Your password was reset."));

        error.Should().BeNull();
        updates.SelectMany(u => u.Contents).OfType<DataContent>().SelectMany(d => d.Data.ToArray()).Should().Equal(1, 2, 3, 4, 5, 6);
        updates[0].AdditionalProperties![ProviderRouterClientExtensions.DeploymentProperty].Should().Be("a");
        updates[0].AdditionalProperties![ProviderRouterClientExtensions.AuditEventProperty].Should().Be(f.Records.Single().EventId);
        clients["a"].StreamingCalls.Should().Be(1);
        clients["a"].OneShotCalls.Should().Be(0);
        clients["a"].LastModel.Should().Be(deployments[0].Model, "the plan's deployment chooses the model");
        (f.Records.Single().Outcome, f.Records.Single().Capability).Should().Be((AuditOutcome.Succeeded, "SpeechSynthesis"));
    }

    [Test]
    public async Task Speech_StallsBetweenChunks_IdleTimeoutEndsItAndAuditSaysPartial()
    {
        var clock = new FakeTimeProvider();
        var options = new ProviderRouterOptions { StreamIdleTimeout = TimeSpan.FromSeconds(3), Retry = { BaseDelay = TimeSpan.Zero, UseJitter = false } };
        var (deployments, registry, clients) = Setup();
        await using var f = new RouterFixture(deployments, clock, options, clients: registry);
        clients["a"].Audio = ct => Audio(1, then: c => Task.Delay(Timeout.InfiniteTimeSpan, c), cancellationToken: ct);

        await using var e = f.Router.SendStreamingSpeechAsync(Requests.Make(capability: Capability.SpeechSynthesis)).GetAsyncEnumerator();
        (await e.MoveNextAsync()).Should().BeTrue();
        var second = e.MoveNextAsync().AsTask();
        await Wait.Until(() => clock.PendingDueIn.Contains(TimeSpan.FromSeconds(3)), "the idle timer runs");
        clock.Advance(TimeSpan.FromSeconds(3));

        var error = (await FluentActions.Awaiting(() => second).Should().ThrowAsync<StreamInterruptedException>()).Which;
        error.Reason.Should().Be(StreamInterruptedException.IdleTimeout);
        clients["b"].StreamingCalls.Should().Be(0);
        f.Records.Single().Outcome.Should().Be(AuditOutcome.Partial);
    }

    [Test]
    public async Task Speech_CallerStopsReading_AuditSaysAbandonedOnce()
    {
        var (deployments, registry, clients) = Setup();
        await using var f = new RouterFixture(deployments, clients: registry);

        await using (var e = f.Router.AsTextToSpeechClient(Context).GetStreamingAudioAsync("hello").GetAsyncEnumerator())
        {
            (await e.MoveNextAsync()).Should().BeTrue();
        }

        var record = f.Records.Single();
        (record.Outcome, record.ServedBy).Should().Be((AuditOutcome.Abandoned, "a"));
    }

    [Test]
    public async Task Speech_WrongPayload_IsRefusedAsAnArgumentWithoutARoute()
    {
        var (deployments, registry, _) = Setup();
        await using var f = new RouterFixture(deployments, clients: registry);

        var (_, error) = await ReadAll(f.Router.SendStreamingSpeechAsync(Requests.Make(capability: Capability.Transcription)));

        error.Should().BeOfType<ArgumentException>();
        f.Records.Should().BeEmpty();
    }

    private static async IAsyncEnumerable<SpeechToTextResponseUpdate> Transcript(string[] parts, Func<CancellationToken, Task>? then = null, string[]? more = null, Exception? fail = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var p in parts)
        {
            yield return new SpeechToTextResponseUpdate(p) { Kind = SpeechToTextResponseUpdateKind.TextUpdated };
        }

        if (then is not null)
        {
            await then(cancellationToken);
        }

        if (fail is not null)
        {
            throw fail;
        }

        foreach (var p in more ?? [])
        {
            yield return new SpeechToTextResponseUpdate(p) { Kind = SpeechToTextResponseUpdateKind.TextUpdated };
        }

        yield return new SpeechToTextResponseUpdate([new UsageContent(new UsageDetails { InputTokenCount = 7, OutputTokenCount = 3 })]) { Kind = SpeechToTextResponseUpdateKind.SessionClose };
    }

    private static async IAsyncEnumerable<TextToSpeechResponseUpdate> Audio(int chunks, Func<CancellationToken, Task>? then = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < chunks; i++)
        {
            yield return new TextToSpeechResponseUpdate([new DataContent(new byte[] { (byte)(3 * i + 1), (byte)(3 * i + 2), (byte)(3 * i + 3) }, "audio/mpeg")])
            {
                Kind = TextToSpeechResponseUpdateKind.AudioUpdating,
            };
        }

        if (then is not null)
        {
            await then(cancellationToken);
        }
    }

    /// <summary>A speech client whose streaming methods stream from a script, and which counts one-shot and streaming calls.</summary>
    private sealed class StreamingSpeechClient(string id) : ISpeechToTextClient, ITextToSpeechClient
    {
        private int _oneShot;
        private int _streaming;

        public Func<CancellationToken, IAsyncEnumerable<SpeechToTextResponseUpdate>>? Transcripts { get; set; }

        public Func<CancellationToken, IAsyncEnumerable<TextToSpeechResponseUpdate>>? Audio { get; set; }

        public int OneShotCalls => Volatile.Read(ref _oneShot);

        public int StreamingCalls => Volatile.Read(ref _streaming);

        public string? LastModel { get; private set; }

        public ConcurrentQueue<string> Seen { get; } = new();

        public Task<SpeechToTextResponse> GetTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _oneShot);
            return Task.FromResult(new SpeechToTextResponse("one shot"));
        }

        public IAsyncEnumerable<SpeechToTextResponseUpdate> GetStreamingTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _streaming);
            LastModel = options?.ModelId;
            return (Transcripts ?? (ct => Transcript(["from " + id, " ok"], cancellationToken: ct)))(cancellationToken);
        }

        public Task<TextToSpeechResponse> GetAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _oneShot);
            return Task.FromResult(new TextToSpeechResponse([new DataContent(new byte[] { 9 }, "audio/mpeg")]));
        }

        public IAsyncEnumerable<TextToSpeechResponseUpdate> GetStreamingAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _streaming);
            LastModel = options?.ModelId;
            return (Audio ?? (ct => ProviderRouterSpeechStreamingTests.Audio(2, cancellationToken: ct)))(cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
