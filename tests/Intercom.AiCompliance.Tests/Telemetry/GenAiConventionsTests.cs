using System.Diagnostics;
using System.Runtime.CompilerServices;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Telemetry;
using Intercom.AiCompliance.Tests.Helpers;
using Microsoft.Extensions.AI;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Intercom.AiCompliance.Tests.Telemetry;

/// <summary>
/// The GenAI semantic conventions on attempt spans, as a host's OpenTelemetry SDK exports them (in-memory exporter),
/// with the two-line setup docs/telemetry.md shows.
/// </summary>
[NonParallelizable]
public class GenAiConventionsTests
{
    private const string Prompt = "PROMPT-SENTINEL my card 4111 is blocked, why?";
    private const string Answer = "ANSWER-SENTINEL your card is unblocked now";
    private static readonly ActivitySource TestSource = new("Intercom.AiCompliance.Tests.GenAi");

    [Test]
    public async Task AttemptSpans_CarryGenAiAttributesAndErrorType_AndNoContent()
    {
        var exported = new List<Activity>();
        using (var tracing = Sdk.CreateTracerProviderBuilder()
                   .AddSource(TestSource.Name)
                   .AddSource(AiComplianceTelemetry.Name)
                   .SetSampler(new ParentBasedSampler(new AlwaysOnSampler()))
                   .AddInMemoryExporter(exported)
                   .Build())
        {
            var shared = new ScriptedClient.Shared(TimeProvider.System);
            var a = Deployments.Make("gen-a", provider: ProviderKind.AwsBedrock, resolution: 0.9) with { Endpoint = "https://bedrock-runtime.us-east-1.amazonaws.com" };
            var b = Deployments.Make("gen-b", provider: ProviderKind.OpenAI);
            var clients = new DeploymentClientRegistry()
                .Add<IChatClient>("gen-a", new ScriptedClient(a, shared))
                .Add<IChatClient>("gen-b", new AnsweringClient());
            shared.Fail("gen-a", ProviderFailureKind.ServerError);
            await using var f = new RouterFixture([a, b], clients: clients, profiles: Requests.Profile("ws-genai"));

            ActivityTraceId trace;
            using (var root = TestSource.StartActivity("host request"))
            {
                trace = root!.TraceId;
                await f.Router.SendAsync(Requests.Make("ws-genai", text: Prompt)).WaitAsync(TimeSpan.FromSeconds(10));
            }

            tracing.ForceFlush();
            var spans = exported.Where(s => s.TraceId == trace).ToList();
            var attempts = spans.Where(s => s.OperationName == "aicompliance.attempt").ToList();
            var failed = attempts.Where(s => Equals(s.GetTagItem("aicompliance.deployment"), "gen-a")).ToList();
            var served = attempts.Single(s => Equals(s.GetTagItem("aicompliance.deployment"), "gen-b"));

            failed.Should().NotBeEmpty();
            failed.Should().OnlyContain(s => Equals(s.GetTagItem("gen_ai.provider.name"), "aws.bedrock")
                && Equals(s.GetTagItem("gen_ai.operation.name"), "chat")
                && Equals(s.GetTagItem("gen_ai.request.model"), "model-gen-a")
                && Equals(s.GetTagItem("error.type"), "ServerError")
                && s.Status == ActivityStatusCode.Error);
            served.GetTagItem("gen_ai.operation.name").Should().Be("chat");
            served.GetTagItem("gen_ai.provider.name").Should().Be("openai");
            served.GetTagItem("gen_ai.request.model").Should().Be("model-gen-b");
            served.GetTagItem("gen_ai.response.model").Should().Be("model-gen-b-2026-01-15");
            served.GetTagItem("gen_ai.usage.input_tokens").Should().Be(11L);
            served.GetTagItem("gen_ai.usage.output_tokens").Should().Be(5L);
            served.GetTagItem("error.type").Should().BeNull("a successful attempt has no error");
            served.Parent!.OperationName.Should().Be("aicompliance.route", "attempts are children of the route span, under the host's span");

            var texts = spans.SelectMany(s => s.TagObjects.Select(t => t.Value?.ToString())
                    .Concat(s.Events.SelectMany(e => e.Tags.Select(t => t.Value?.ToString()).Append(e.Name)))
                    .Append(s.DisplayName).Append(s.StatusDescription))
                .OfType<string>().ToList();
            texts.Should().NotBeEmpty();
            texts.Should().NotContain(t => t.Contains("SENTINEL", StringComparison.Ordinal) || t.Contains("4111", StringComparison.Ordinal) || t.Contains("ws-genai", StringComparison.Ordinal),
                "no prompt, answer or workspace id in any tag or event");
        }
    }

    [Test]
    public async Task StreamedAttemptSpan_CarriesTheModelOfTheFirstUpdate_AndNoContent()
    {
        var exported = new List<Activity>();
        using (var tracing = Sdk.CreateTracerProviderBuilder()
                   .AddSource(TestSource.Name)
                   .AddSource(AiComplianceTelemetry.Name)
                   .SetSampler(new ParentBasedSampler(new AlwaysOnSampler()))
                   .AddInMemoryExporter(exported)
                   .Build())
        {
            var b = Deployments.Make("gen-s", provider: ProviderKind.Anthropic);
            var clients = new DeploymentClientRegistry().Add<IChatClient>("gen-s", new AnsweringClient());
            await using var f = new RouterFixture([b], clients: clients, profiles: Requests.Profile("ws-genai-stream"));

            ActivityTraceId trace;
            var received = new List<string>();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using (var root = TestSource.StartActivity("host request"))
            {
                trace = root!.TraceId;
                await foreach (var update in f.Router.SendStreamingAsync(Requests.Make("ws-genai-stream", text: Prompt)).WithCancellation(cts.Token))
                {
                    received.Add(update.Text);
                }
            }

            tracing.ForceFlush();
            received.Should().Equal(Answer);
            var spans = exported.Where(s => s.TraceId == trace).ToList();
            spans.Single(s => s.OperationName == "aicompliance.route").GetTagItem("aicompliance.streaming").Should().Be(true);
            var attempt = spans.Single(s => s.OperationName == "aicompliance.attempt");
            attempt.GetTagItem("gen_ai.operation.name").Should().Be("chat");
            attempt.GetTagItem("gen_ai.provider.name").Should().Be("anthropic");
            attempt.GetTagItem("gen_ai.request.model").Should().Be("model-gen-s");
            attempt.GetTagItem("gen_ai.response.model").Should().Be("model-gen-b-2026-01-15");
            spans.SelectMany(s => s.TagObjects).Select(t => t.Value?.ToString()).OfType<string>()
                .Should().NotContain(t => t.Contains("SENTINEL", StringComparison.Ordinal));
        }
    }

    [TestCase(ProviderKind.AwsBedrock, "aws.bedrock")]
    [TestCase(ProviderKind.OpenAI, "openai")]
    [TestCase(ProviderKind.Anthropic, "anthropic")]
    [TestCase(ProviderKind.AzureOpenAI, "azure.ai.openai")]
    [TestCase(ProviderKind.GoogleVertex, "gcp.vertex_ai")]
    [TestCase(ProviderKind.ElevenLabs, "elevenlabs")]
    [TestCase(ProviderKind.FirstParty, "intercom.fin_cx")]
    public void Provider_EveryKind_IsTheConventionsWellKnownValueOrACustomOne(ProviderKind kind, string expected) =>
        GenAiConventions.Provider(kind).Should().Be(expected);

    [TestCase(Capability.Chat, "chat")]
    [TestCase(Capability.Embeddings, "embeddings")]
    [TestCase(Capability.SpeechSynthesis, "text_to_speech")]
    [TestCase(Capability.Transcription, "speech_to_text")]
    [TestCase(Capability.Reranking, "rerank")]
    public void Operation_EveryCapability_IsNamed(Capability capability, string expected) =>
        GenAiConventions.Operation(capability).Should().Be(expected);

    /// <summary>A chat client that answers with a dated model id and token counts, as real provider clients report them.</summary>
    private sealed class AnsweringClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Answer))
            {
                ModelId = "model-gen-b-2026-01-15",
                FinishReason = ChatFinishReason.Stop,
                Usage = new UsageDetails { InputTokenCount = 11, OutputTokenCount = 5, TotalTokenCount = 16 },
            });

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, Answer) { ModelId = "model-gen-b-2026-01-15" };
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
