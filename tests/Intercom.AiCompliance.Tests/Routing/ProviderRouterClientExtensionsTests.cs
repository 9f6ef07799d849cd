using System.Diagnostics;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Tests.Routing;

[CancelAfter(30_000)]
public class ProviderRouterClientExtensionsTests
{
    private static readonly ComplianceContext Context = new()
    {
        WorkspaceId = "ws-1",
        Product = AiProduct.FinAiAgent,
        Purpose = Purpose.AnsweringEndUser,
    };

    /// <summary>A model that asks for a tool once, then answers from the tool's result; records what it was given.</summary>
    private sealed class ToolCallingModel : IChatClient
    {
        public List<(ChatMessage[] Messages, ChatOptions? Options)> Calls { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var given = messages.ToArray();
            Calls.Add((given, options));
            var result = given.SelectMany(m => m.Contents).OfType<FunctionResultContent>().FirstOrDefault();
            var answer = result is null
                ? new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", "get_order_status", new Dictionary<string, object?> { ["orderId"] = "A-17" })])
                : new ChatMessage(ChatRole.Assistant, $"Your order: {result.Result}");
            return Task.FromResult(new ChatResponse(answer)
            {
                ResponseId = "resp-" + Calls.Count,
                FinishReason = result is null ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
                Usage = new UsageDetails { InputTokenCount = 40 + Calls.Count, OutputTokenCount = 9, TotalTokenCount = 49 + Calls.Count },
            });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    [Test]
    public async Task AsChatClient_InAnApplicationPipeline_CompletesATwoStepToolCallThroughTheDeploymentsClient()
    {
        var model = new ToolCallingModel();
        var clients = new DeploymentClientRegistry().Add<IChatClient>("a", model);
        await using var f = new RouterFixture([Deployments.Make("a")], clients: clients);
        using var activities = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "app",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        var spans = new List<Activity>();
        activities.ActivityStopped = spans.Add;
        ActivitySource.AddActivityListener(activities);

        using var app = f.Router.AsChatClient(Context).AsBuilder()
            .UseFunctionInvocation()
            .UseOpenTelemetry(sourceName: "app")
            .Build();
        var tool = AIFunctionFactory.Create((string orderId) => $"order {orderId} shipped", "get_order_status");
        var options = new ChatOptions
        {
            Tools = [tool],
            ToolMode = ChatToolMode.Auto,
            ModelId = "caller-wants-another-model",
            Temperature = 0.2f,
            TopP = 0.9f,
            MaxOutputTokens = 120,
            Seed = 7,
            StopSequences = ["END"],
            ResponseFormat = ChatResponseFormat.Json,
            AdditionalProperties = new() { ["tenant_hint"] = "x" },
        };

        var response = await app.GetResponseAsync([new ChatMessage(ChatRole.User, "Where is my order A-17?")], options);

        response.Text.Should().Be("Your order: order A-17 shipped");
        model.Calls.Should().HaveCount(2, "the tool call went through the router twice");
        var second = model.Calls[1].Messages.SelectMany(m => m.Contents).ToArray();
        second.OfType<FunctionCallContent>().Single().Should().Match<FunctionCallContent>(c => c.CallId == "call-1" && c.Name == "get_order_status"
            && (string?)c.Arguments!["orderId"] == "A-17");
        second.OfType<FunctionResultContent>().Single().Should().Match<FunctionResultContent>(r => r.CallId == "call-1"
            && r.Result!.ToString()!.Contains("order A-17 shipped", StringComparison.Ordinal));

        var seen = model.Calls[0].Options!;
        seen.ModelId.Should().Be("model-a", "the plan chooses the model, never the caller's ModelId");
        seen.Tools!.Single().Name.Should().Be("get_order_status");
        seen.ToolMode.Should().Be(ChatToolMode.Auto);
        seen.Temperature.Should().Be(0.2f);
        seen.TopP.Should().Be(0.9f);
        seen.MaxOutputTokens.Should().Be(120);
        seen.Seed.Should().Be(7);
        seen.StopSequences.Should().Equal("END");
        seen.ResponseFormat.Should().Be(ChatResponseFormat.Json);
        seen.AdditionalProperties!["tenant_hint"].Should().Be("x");

        response.FinishReason.Should().Be(ChatFinishReason.Stop);
        response.ResponseId.Should().Be("resp-2");
        response.Usage!.TotalTokenCount.Should().BeGreaterThan(0);
        spans.Should().Contain(s => s.Source.Name == "app", "the OpenTelemetry middleware around the router ran");

        f.Records.Should().HaveCount(2, "one audit record per call the pipeline made");
        f.Records.Should().OnlyContain(r => r.Outcome == AuditOutcome.Succeeded && r.ServedBy == "a" && r.ServedByClient == nameof(ToolCallingModel));
        f.Records.Select(r => r.InputTokens).Should().Equal(41L, 42L);
        f.Records.Should().OnlyContain(r => r.OutputTokens == 9);
    }

    [Test]
    public async Task AsChatClient_Response_NamesTheDeploymentClientAndAuditEvent()
    {
        await using var f = new RouterFixture([Deployments.Make("a")]);
        var response = await f.Router.AsChatClient(Context).GetResponseAsync("hello");

        response.AdditionalProperties![ProviderRouterClientExtensions.DeploymentProperty].Should().Be("a");
        response.AdditionalProperties[ProviderRouterClientExtensions.ClientProperty].Should().Be(nameof(ScriptedClient));
        response.AdditionalProperties[ProviderRouterClientExtensions.AuditEventProperty].Should().Be(f.Records.Single().EventId);
        response.Usage!.InputTokenCount.Should().Be(7);
    }

    [Test]
    public async Task AsChatClient_ImageAndToolResultContent_ReachTheDeploymentIntact()
    {
        await using var f = new RouterFixture([Deployments.Make("a")]);
        var image = new DataContent(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, "image/png");
        var link = new UriContent(new Uri("https://example.test/receipt.png"), "image/png");
        var result = new FunctionResultContent("c-9", "order shipped");
        await f.Router.AsChatClient(Context).GetResponseAsync([new ChatMessage(ChatRole.User, [new TextContent("see"), image, link]), new ChatMessage(ChatRole.Tool, [result])]);

        var given = f.Spy.ChatCalls.Single().Messages.SelectMany(m => m.Contents).ToArray();
        given.Should().Contain(image).And.Contain(link).And.Contain(result);
    }

    [Test]
    public async Task AsChatClient_ToolResultsCountTowardsTheInputLimit()
    {
        var options = new ProviderRouterOptions { Retry = { BaseDelay = TimeSpan.Zero, UseJitter = false } };
        await using var f = new RouterFixture([Deployments.Make("a")], options: options);
        var huge = new FunctionResultContent("c-1", new string('x', 500_000));

        var act = () => f.Router.AsChatClient(Context).GetResponseAsync([new ChatMessage(ChatRole.User, "hi"), new ChatMessage(ChatRole.Tool, [huge])]);

        await act.Should().ThrowAsync<RequestRefusedException>();
        f.Spy.Calls.Should().BeEmpty("a tool result is Input like any text");
    }

    [Test]
    public async Task AsEmbeddingGenerator_AsSpeechViews_RouteThroughTheirCapabilities()
    {
        var all = Deployments.Make("a", capabilities: [Capability.Chat, Capability.Embeddings, Capability.Transcription, Capability.SpeechSynthesis]);
        await using var f = new RouterFixture([all]);

        (await f.Router.AsEmbeddingGenerator(Context).GenerateAsync(["one", "three"])).Select(e => e.Vector.Span[0]).Should().Equal(3f, 5f);
        using var audio = new MemoryStream([1, 2, 3]);
        (await f.Router.AsSpeechToTextClient(Context).GetTextAsync(audio)).Text.Should().Be("transcript from a");
        var speech = await f.Router.AsTextToSpeechClient(Context).GetAudioAsync("hello");
        speech.Contents.OfType<DataContent>().Single().MediaType.Should().Be("audio/wav");
        f.Records.Select(r => r.Capability).Should().Equal("Embeddings", "Transcription", "SpeechSynthesis");
    }

    [Test]
    public void GetService_ReturnsTheRouterAndMetadata()
    {
        using var view = new RouterFixture([Deployments.Make("a")]).Router.AsChatClient(Context);
        view.GetService<IProviderRouter>().Should().NotBeNull();
        view.GetService<ChatClientMetadata>()!.ProviderName.Should().Be("aicompliance");
    }
}
