using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Providers.Simulated;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.Tests.Providers;

public class SimulatedProviderAdapterTests
{
    private static readonly ProviderDeployment All = Deployments.Make("all", ProviderKind.OpenAI,
        capabilities: [Capability.Chat, Capability.SpeechSynthesis, Capability.Transcription, Capability.Embeddings, Capability.Reranking]);

    [Test]
    public async Task InvokeAsync_AnswersEveryCapabilityPlausibly()
    {
        var adapter = new SimulatedProviderAdapter(ProviderKind.OpenAI);

        (await adapter.InvokeAsync(All, Requests.PayloadFor(Capability.Chat), default)).Should().BeOfType<ChatOutput>()
            .Which.Response.Text.Should().NotBeNullOrWhiteSpace();
        var speech = (SpeechOutput)await adapter.InvokeAsync(All, Requests.PayloadFor(Capability.SpeechSynthesis), default);
        speech.MediaType.Should().Be("audio/wav");
        System.Text.Encoding.ASCII.GetString(speech.Audio.Span[..4]).Should().Be("RIFF");
        ((TranscriptOutput)await adapter.InvokeAsync(All, Requests.PayloadFor(Capability.Transcription), default)).Text.Should().NotBeEmpty();
        var embeddings = (EmbeddingOutput)await adapter.InvokeAsync(All, new EmbeddingPayload(["a", "b", "a"]), default);
        embeddings.Vectors.Should().HaveCount(3);
        embeddings.Vectors[0].ToArray().Should().Equal(embeddings.Vectors[2].ToArray(), "equal texts embed equally");
        var rerank = (RerankOutput)await adapter.InvokeAsync(All, new RerankPayload("reset password", ["how to reset your password", "billing"]), default);
        rerank.Scores[0].Should().BeGreaterThan(rerank.Scores[1]);
    }

    [Test]
    public async Task InvokeAsync_CapabilityTheDeploymentLacks_IsABadRequest()
    {
        var adapter = new SimulatedProviderAdapter(ProviderKind.OpenAI);
        var act = () => adapter.InvokeAsync(Deployments.Make("chat-only"), Requests.PayloadFor(Capability.SpeechSynthesis), default).AsTask();
        (await act.Should().ThrowAsync<ProviderException>()).Which.Kind.Should().Be(ProviderFailureKind.BadRequest);
    }

    [Test]
    public async Task InvokeAsync_OutageWithAnEnd_FailsUntilThenAndAnswersAfter()
    {
        var clock = new FakeTimeProvider();
        var adapter = new SimulatedProviderAdapter(ProviderKind.OpenAI, new SimulationOptions().SetOutage("all", clock.GetUtcNow().AddSeconds(10)), clock);

        (await FluentActions.Awaiting(() => adapter.InvokeAsync(All, Requests.PayloadFor(Capability.Chat), default).AsTask())
            .Should().ThrowAsync<ProviderException>()).Which.StatusCode.Should().Be(503);
        clock.Advance(TimeSpan.FromSeconds(9.9));
        await FluentActions.Awaiting(() => adapter.InvokeAsync(All, Requests.PayloadFor(Capability.Chat), default).AsTask()).Should().ThrowAsync<ProviderException>();

        clock.Advance(TimeSpan.FromSeconds(0.1));
        (await adapter.InvokeAsync(All, Requests.PayloadFor(Capability.Chat), default)).Should().BeOfType<ChatOutput>("the outage is over");
    }

    [Test]
    public async Task SameSeed_ReplaysTheSameFaultSchedule()
    {
        async Task<string> Schedule(int seed)
        {
            var adapter = new SimulatedProviderAdapter(ProviderKind.OpenAI, new SimulationOptions { Seed = seed, FaultRate = 0.5 });
            var outcomes = new List<string>();
            for (var i = 0; i < 40; i++)
            {
                try
                {
                    await adapter.InvokeAsync(All, Requests.PayloadFor(Capability.Chat), default);
                    outcomes.Add("ok");
                }
                catch (ProviderException ex)
                {
                    outcomes.Add(ex.Kind.ToString());
                }
            }

            return string.Join(",", outcomes);
        }

        var first = await Schedule(11);
        (await Schedule(11)).Should().Be(first);
        (await Schedule(12)).Should().NotBe(first);
        first.Should().Contain("ok").And.Contain("ServerError");
    }

    [Test]
    public async Task RateLimitFault_CarriesRetryAfter()
    {
        var options = new SimulationOptions { FaultRate = 1, RetryAfter = TimeSpan.FromSeconds(7) };
        options.FaultMix.Clear();
        options.FaultMix[ProviderFailureKind.RateLimited] = 1;
        var adapter = new SimulatedProviderAdapter(ProviderKind.OpenAI, options);

        var ex = (await FluentActions.Awaiting(() => adapter.InvokeAsync(All, Requests.PayloadFor(Capability.Chat), default).AsTask())
            .Should().ThrowAsync<ProviderException>()).Which;
        ex.StatusCode.Should().Be(429);
        ex.RetryAfter.Should().Be(TimeSpan.FromSeconds(7));
    }

    [Test]
    public async Task Outage_FailsEveryCallUntilLifted()
    {
        var options = new SimulationOptions().SetOutage("all");
        var adapter = new SimulatedProviderAdapter(ProviderKind.OpenAI, options);
        for (var i = 0; i < 5; i++)
        {
            (await FluentActions.Awaiting(() => adapter.InvokeAsync(All, Requests.PayloadFor(Capability.Chat), default).AsTask())
                .Should().ThrowAsync<ProviderException>()).Which.StatusCode.Should().Be(503);
        }

        options.SetOutage("all", down: false);
        (await adapter.InvokeAsync(All, Requests.PayloadFor(Capability.Chat), default)).Should().BeOfType<ChatOutput>();
    }

    [Test]
    public async Task InjectedLatency_UsesTheGivenClock()
    {
        var clock = new FakeTimeProvider();
        var adapter = new SimulatedProviderAdapter(ProviderKind.OpenAI, new SimulationOptions { LatencyRate = 1, Latency = TimeSpan.FromSeconds(2) }, clock);
        var call = adapter.InvokeAsync(All, Requests.PayloadFor(Capability.Chat), default).AsTask();
        await Wait.Until(() => clock.PendingDueIn.Contains(TimeSpan.FromSeconds(2)), "the latency is scheduled");
        call.IsCompleted.Should().BeFalse();
        clock.Advance(TimeSpan.FromSeconds(2));
        (await call).Should().BeOfType<ChatOutput>();
    }
}
