using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Providers.Simulated;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Tests.Providers;

public class SimulatedProviderClientTests
{
    private static Func<AiPayload, ValueTask<AiOutput>> Client(SimulationOptions? options = null, TimeProvider? clock = null, ProviderDeployment? deployment = null)
    {
        var d = deployment ?? All;
        var clients = new DeploymentClientRegistry().AddSimulatedClientsForDemosAndTests(options ?? new SimulationOptions(), clock)
            .Resolve(ProviderCatalog.Create([d]), Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(new Microsoft.Extensions.DependencyInjection.ServiceCollection()))[d.Id];
        return payload => clients.InvokeAsync(payload, default);
    }

    private static readonly ProviderDeployment All = Deployments.Make("all", ProviderKind.OpenAI,
        capabilities: [Capability.Chat, Capability.SpeechSynthesis, Capability.Transcription, Capability.Embeddings, Capability.Reranking]);

    [Test]
    public async Task Client_AnswersEveryCapabilityPlausibly()
    {
        var adapter = Client();

        (await adapter(Requests.PayloadFor(Capability.Chat))).Should().BeOfType<ChatOutput>()
            .Which.Response.Text.Should().NotBeNullOrWhiteSpace();
        var speech = (SpeechOutput)await adapter(Requests.PayloadFor(Capability.SpeechSynthesis));
        speech.MediaType.Should().Be("audio/wav");
        System.Text.Encoding.ASCII.GetString(speech.Audio.Span[..4]).Should().Be("RIFF");
        ((TranscriptOutput)await adapter(Requests.PayloadFor(Capability.Transcription))).Text.Should().NotBeEmpty();
        var embeddings = (EmbeddingOutput)await adapter(new EmbeddingPayload(["a", "b", "a"]));
        embeddings.Vectors.Should().HaveCount(3);
        embeddings.Vectors[0].ToArray().Should().Equal(embeddings.Vectors[2].ToArray(), "equal texts embed equally");
        var rerank = (RerankOutput)await adapter(new RerankPayload("reset password", ["how to reset your password", "billing"]));
        rerank.Scores[0].Should().BeGreaterThan(rerank.Scores[1]);
    }

    [Test]
    public async Task Client_CapabilityTheDeploymentLacks_IsABadRequest()
    {
        var adapter = Client(deployment: Deployments.Make("chat-only"));
        var act = () => adapter(Requests.PayloadFor(Capability.SpeechSynthesis)).AsTask();
        (await act.Should().ThrowAsync<ProviderException>()).Which.Kind.Should().Be(ProviderFailureKind.BadRequest);
    }

    [Test]
    public async Task Client_OutageWithAnEnd_FailsUntilThenAndAnswersAfter()
    {
        var clock = new FakeTimeProvider();
        var adapter = Client(new SimulationOptions().SetOutage("all", clock.GetUtcNow().AddSeconds(10)), clock);

        (await FluentActions.Awaiting(() => adapter(Requests.PayloadFor(Capability.Chat)).AsTask())
            .Should().ThrowAsync<ProviderException>()).Which.StatusCode.Should().Be(503);
        clock.Advance(TimeSpan.FromSeconds(9.9));
        await FluentActions.Awaiting(() => adapter(Requests.PayloadFor(Capability.Chat)).AsTask()).Should().ThrowAsync<ProviderException>();

        clock.Advance(TimeSpan.FromSeconds(0.1));
        (await adapter(Requests.PayloadFor(Capability.Chat))).Should().BeOfType<ChatOutput>("the outage is over");
    }

    [Test]
    public async Task SameSeed_ReplaysTheSameFaultSchedule()
    {
        async Task<string> Schedule(int seed)
        {
            var adapter = Client(new SimulationOptions { Seed = seed, FaultRate = 0.5 });
            var outcomes = new List<string>();
            for (var i = 0; i < 40; i++)
            {
                try
                {
                    await adapter(Requests.PayloadFor(Capability.Chat));
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
        var adapter = Client(options);

        var ex = (await FluentActions.Awaiting(() => adapter(Requests.PayloadFor(Capability.Chat)).AsTask())
            .Should().ThrowAsync<ProviderException>()).Which;
        ex.StatusCode.Should().Be(429);
        ex.RetryAfter.Should().Be(TimeSpan.FromSeconds(7));
    }

    [Test]
    public async Task Outage_FailsEveryCallUntilLifted()
    {
        var options = new SimulationOptions().SetOutage("all");
        var adapter = Client(options);
        for (var i = 0; i < 5; i++)
        {
            (await FluentActions.Awaiting(() => adapter(Requests.PayloadFor(Capability.Chat)).AsTask())
                .Should().ThrowAsync<ProviderException>()).Which.StatusCode.Should().Be(503);
        }

        options.SetOutage("all", down: false);
        (await adapter(Requests.PayloadFor(Capability.Chat))).Should().BeOfType<ChatOutput>();
    }

    [Test]
    public async Task InjectedLatency_UsesTheGivenClock()
    {
        var clock = new FakeTimeProvider();
        var adapter = Client(new SimulationOptions { LatencyRate = 1, Latency = TimeSpan.FromSeconds(2) }, clock);
        var call = adapter(Requests.PayloadFor(Capability.Chat)).AsTask();
        await Wait.Until(() => clock.PendingDueIn.Contains(TimeSpan.FromSeconds(2)), "the latency is scheduled");
        call.IsCompleted.Should().BeFalse();
        clock.Advance(TimeSpan.FromSeconds(2));
        (await call).Should().BeOfType<ChatOutput>();
    }

    [Test]
    public async Task GetStreamingResponseAsync_StreamsTheAnswerWordByWordWithUsage()
    {
        var client = new SimulatedProviderClient(All);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")]))
        {
            updates.Add(u);
        }

        updates.Count.Should().BeGreaterThan(3);
        var response = updates.ToChatResponse();
        response.Text.Should().Contain("password");
        response.Usage!.OutputTokenCount.Should().BeGreaterThan(0);
        response.FinishReason.Should().Be(ChatFinishReason.Stop);
    }

    [Test]
    public void GetService_ThroughMiddleware_StillShowsTheClientIsSimulated()
    {
        IChatClient wrapped = new ChatClientBuilder(new SimulatedProviderClient(All)).UseFunctionInvocation().Build();
        wrapped.GetService<SimulatedProviderClient>().Should().NotBeNull();
    }
}
