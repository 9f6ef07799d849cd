using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Privacy;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;
using FsProperty = FsCheck.NUnit.PropertyAttribute;

namespace Intercom.AiCompliance.Tests.Routing;

/// <summary>Egress redaction through the router: what the provider's client receives, what the caller gets back, and the record.</summary>
public class ProviderRouterRedactionTests
{
    /// <summary>A chat client that keeps what it received (serialized) and answers with a scripted response or stream.</summary>
    private sealed class RecordingClient : IChatClient
    {
        public ConcurrentQueue<string> Received { get; } = new();

        public Func<ChatResponse> Answer { get; set; } = () => new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"));

        public Func<IEnumerable<ChatResponseUpdate>> Stream { get; set; } = () => [new ChatResponseUpdate(ChatRole.Assistant, "ok")];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Received.Enqueue(JsonSerializer.Serialize(messages.ToArray(), AIJsonUtilities.DefaultOptions) + "|" + options?.Instructions);
            return Task.FromResult(Answer());
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Received.Enqueue(JsonSerializer.Serialize(messages.ToArray(), AIJsonUtilities.DefaultOptions) + "|" + options?.Instructions);
            await Task.Yield();
            foreach (var update in Stream())
            {
                yield return update;
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private sealed class Setup : IAsyncDisposable
    {
        public Setup(RedactionPolicy policy, PersonalDataDetector? detector = null, TimeSpan? redactionTimeout = null, TimeProvider? time = null)
        {
            Sink = new InMemoryAuditSink();
            Trail = new AuditTrail(Sink, AuditKeys.Options());
            var registry = new DeploymentClientRegistry().Add<IChatClient>(ProviderKind.AzureOpenAI, (_, _) => Client);
            var profile = Requests.Profile() with { EgressRedaction = policy };
            Router = new ProviderRouter(
                new RoutingPlanner(ProviderCatalog.Create([Deployments.Make("aoai-us")]), ComplianceRuleSet.Default),
                registry, new InMemoryWorkspaceProfileStore([profile]), Trail,
                new ProviderRouterOptions { Retry = { BaseDelay = TimeSpan.Zero, UseJitter = false }, RedactionTimeout = redactionTimeout ?? TimeSpan.FromSeconds(30) },
                time ?? new FakeTimeProvider(), redactionDetector: detector);
        }

        public RecordingClient Client { get; } = new();

        public InMemoryAuditSink Sink { get; }

        public AuditTrail Trail { get; }

        public ProviderRouter Router { get; }

        public AuditRecord Record => Sink.Records.Outcomes().Single();

        public ValueTask DisposeAsync() => Trail.DisposeAsync();
    }

    /// <summary>The records as the trail stores them (JSON), to check what a reader of the trail can see.</summary>
    private static string Stored(InMemoryAuditSink sink) =>
        string.Join("\n", sink.Records.Select(r => JsonSerializer.Serialize(r, AuditJsonContext.Default.AuditRecord)));

    private static AiRequest Chat(params ChatMessage[] messages) => new()
    {
        WorkspaceId = "ws-1",
        Product = AiProduct.FinAiAgent,
        Purpose = Purpose.AnsweringEndUser,
        Payload = new ChatPayload(messages),
    };

    [Test]
    [CancelAfter(20_000)]
    public async Task SendAsync_RedactAndRestore_ClientGetsPlaceholdersCallerGetsValues(CancellationToken ct)
    {
        await using var s = new Setup(RedactionPolicy.RedactAndRestore);
        s.Client.Answer = () => new ChatResponse(new ChatMessage(ChatRole.Assistant,
        [
            new TextContent("I will write to [EMAIL_1] about card [CARD_1]; [EMAIL_5] is unknown."),
            new FunctionCallContent("c9", "send_mail", new Dictionary<string, object?> { ["to"] = "[EMAIL_1]" }),
        ]));

        var response = await s.Router.SendAsync(Chat(
            new ChatMessage(ChatRole.User, "I am ada@example.com, my card 4111 1111 1111 1111 was charged twice"),
            new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", "account owner ada@example.com")])), ct);

        var sent = s.Client.Received.Single();
        sent.Should().NotContain("ada@example.com").And.NotContain("4111").And.Contain("[EMAIL_1]").And.Contain("[CARD_1]");
        var message = ((ChatOutput)response.Output).Response.Messages[0];
        message.Text.Should().Be("I will write to ada@example.com about card 4111 1111 1111 1111; [EMAIL_5] is unknown.");
        ((FunctionCallContent)message.Contents[1]).Arguments!["to"].Should().Be("ada@example.com");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task SendAsync_ClientHandsOutOneResponseInstanceTwice_EachCallerGetsOnlyItsOwnValues(CancellationToken ct)
    {
        // A cache in front of a deployment, or a fake, may return the same response object to two requests: restoring
        // must copy, or the second caller would read the first caller's e-mail address.
        await using var s = new Setup(RedactionPolicy.RedactAndRestore);
        var shared = new ChatResponse(new ChatMessage(ChatRole.Assistant,
        [
            new TextContent("Replying to [EMAIL_1]."),
            new FunctionCallContent("c1", "send_mail", new Dictionary<string, object?> { ["to"] = "[EMAIL_1]" }),
        ]));
        s.Client.Answer = () => shared;

        var first = await s.Router.SendAsync(Chat(new ChatMessage(ChatRole.User, "I am ada@example.com")), ct);
        var second = await s.Router.SendAsync(Chat(new ChatMessage(ChatRole.User, "I am bob@example.org")), ct);

        ((ChatOutput)first.Output).Response.Text.Should().Be("Replying to ada@example.com.");
        ((ChatOutput)second.Output).Response.Text.Should().Be("Replying to bob@example.org.");
        ((FunctionCallContent)((ChatOutput)second.Output).Response.Messages[0].Contents[1]).Arguments!["to"].Should().Be("bob@example.org");
        shared.Text.Should().Be("Replying to [EMAIL_1].", "the provider's own object is never changed");
        ((FunctionCallContent)shared.Messages[0].Contents[1]).Arguments!["to"].Should().Be("[EMAIL_1]");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task SendAsync_Redact_RecordHasPolicyAndCountsNeverValues(CancellationToken ct)
    {
        await using var s = new Setup(RedactionPolicy.Redact);
        s.Client.Answer = () => new ChatResponse(new ChatMessage(ChatRole.Assistant, "Noted [EMAIL_1]"));

        var response = await s.Router.SendAsync(Chat(new ChatMessage(ChatRole.User, "ada@example.com, bob@example.org and ada@example.com; IBAN GB82 WEST 1234 5698 7654 32")), ct);

        // Redact without restore: the caller sees the provider's words.
        ((ChatOutput)response.Output).Response.Text.Should().Be("Noted [EMAIL_1]");
        var record = s.Record;
        record.Redaction.Should().NotBeNull();
        record.Redaction!.Policy.Should().Be("Redact");
        record.Redaction.Counts.Should().BeEquivalentTo(new Dictionary<string, int> { ["EMAIL"] = 3, ["IBAN"] = 1 });
        var stored = Stored(s.Sink);
        stored.Should().Contain("\"redaction\":{\"policy\":\"Redact\",\"counts\":{\"EMAIL\":3,\"IBAN\":1}}");
        stored.Should().NotContain("ada@example.com").And.NotContain("bob@example.org").And.NotContain("GB82").And.NotContain("[EMAIL_1]");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task SendAsync_Off_ClientGetsByteIdenticalInputAndRecordHasNoRedaction(CancellationToken ct)
    {
        await using var off = new Setup(RedactionPolicy.Off);
        var request = Chat(
            new ChatMessage(ChatRole.User, "I am ada@example.com"),
            new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "f", new Dictionary<string, object?> { ["card"] = "4111111111111111" })]));

        await off.Router.SendAsync(request, ct);

        off.Client.Received.Single().Should().Be(JsonSerializer.Serialize(((ChatPayload)request.Payload).Messages.ToArray(), AIJsonUtilities.DefaultOptions) + "|");
        off.Record.Redaction.Should().BeNull();
        Stored(off.Sink).Should().NotContain("redaction");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task SendAsync_ProductOverride_TakesPrecedenceOverWorkspacePolicy(CancellationToken ct)
    {
        await using var s = new Setup(RedactionPolicy.Off);
        var profile = Requests.Profile() with
        {
            ProductEgressRedaction = new Dictionary<AiProduct, RedactionPolicy> { [AiProduct.FinAiAgent] = RedactionPolicy.Redact },
        };
        var store = new InMemoryWorkspaceProfileStore([profile]);
        await using var trail = new AuditTrail(new InMemoryAuditSink(), AuditKeys.Options());
        var router = new ProviderRouter(s.Router.Planner, new DeploymentClientRegistry().Add<IChatClient>(ProviderKind.AzureOpenAI, (_, _) => s.Client), store, trail,
            timeProvider: new FakeTimeProvider());

        await router.SendAsync(Chat(new ChatMessage(ChatRole.User, "ada@example.com")), ct);

        s.Client.Received.Single().Should().NotContain("ada@example.com").And.Contain("[EMAIL_1]");
    }

    private sealed class ThrowingRecognizer : IPersonalDataRecognizer
    {
        public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches) =>
            throw new InvalidOperationException("detector broke on: " + text);
    }

    private sealed class BlockingRecognizer(SemaphoreSlim gate) : IPersonalDataRecognizer
    {
        public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches) => gate.Wait();
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task SendAsync_DetectorThrows_NothingSentTypedRefusalAndRecord(CancellationToken ct)
    {
        await using var s = new Setup(RedactionPolicy.Redact, new PersonalDataDetector([new ThrowingRecognizer()]));

        var act = () => s.Router.SendAsync(Chat(new ChatMessage(ChatRole.User, "secret ada@example.com")), ct);

        var refused = (await act.Should().ThrowAsync<RequestRefusedException>()).Which;
        refused.Reason.Should().Be(RejectionReason.RedactionFailed);
        refused.Reason.Code.Should().Be(RejectionReasonCodes.RedactionFailed);
        refused.ToString().Should().NotContain("ada@example.com");
        refused.InnerException.Should().BeNull();
        s.Client.Received.Should().BeEmpty();
        s.Sink.Records.Intents().Should().BeEmpty("no write-ahead intent: the Input never left");
        s.Record.Outcome.Should().Be(AuditOutcome.RequestRefused);
        s.Record.OutcomeReason.Should().Be("redaction-failed");
        s.Record.Redaction!.Policy.Should().Be("Redact");
        Stored(s.Sink).Should().NotContain("ada@example.com");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task SendAsync_DetectorTimesOut_NothingSentTypedRefusal(CancellationToken ct)
    {
        using var gate = new SemaphoreSlim(0);
        await using var s = new Setup(RedactionPolicy.RedactAndRestore, new PersonalDataDetector([new BlockingRecognizer(gate)]),
            redactionTimeout: TimeSpan.FromMilliseconds(50), time: TimeProvider.System);
        try
        {
            var act = () => s.Router.SendAsync(Chat(new ChatMessage(ChatRole.User, "ada@example.com")), ct);

            (await act.Should().ThrowAsync<RequestRefusedException>()).Which.Reason.Code.Should().Be("redaction-failed");
            s.Client.Received.Should().BeEmpty();
            s.Record.OutcomeReason.Should().Be("redaction-failed");
            s.Record.Redaction!.Policy.Should().Be("RedactAndRestore");
        }
        finally
        {
            gate.Release(100);
        }
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task SendStreamingAsync_PlaceholdersSplitAcrossUpdates_CallerGetsValues(CancellationToken ct)
    {
        await using var s = new Setup(RedactionPolicy.RedactAndRestore);
        s.Client.Stream = () =>
        [
            new ChatResponseUpdate(ChatRole.Assistant, "Mail [EM"),
            new ChatResponseUpdate(ChatRole.Assistant, "AIL_1] and [EMAIL_"),
            new ChatResponseUpdate { Role = ChatRole.Assistant, Contents = [new FunctionCallContent("c1", "send", new Dictionary<string, object?> { ["to"] = "[EMAIL_1]" })] },
            new ChatResponseUpdate(ChatRole.Assistant, "2"),
            new ChatResponseUpdate(ChatRole.Assistant, "] [CARD_"),
        ];
        var updates = new List<ChatResponseUpdate>();

        await foreach (var update in s.Router.SendStreamingAsync(Chat(new ChatMessage(ChatRole.User, "ada@example.com bob@example.org")), ct))
        {
            updates.Add(update);
        }

        s.Client.Received.Single().Should().NotContain("ada@example.com").And.NotContain("bob@example.org");
        string.Concat(updates.Select(u => u.Text)).Should().Be("Mail ada@example.com and bob@example.org [CARD_");
        updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>().Single().Arguments!["to"].Should().Be("ada@example.com");
        updates.Take(1).Single().Text.Should().Be("Mail ", "a possible placeholder start is held back, not sent");
        s.Record.Outcome.Should().Be(AuditOutcome.Succeeded);
        s.Record.Redaction!.Counts["EMAIL"].Should().Be(2);
    }

    private static string Luhn(string payload)
    {
        var sum = 0;
        for (var i = 0; i < payload.Length; i++)
        {
            var d = payload[payload.Length - 1 - i] - '0';
            if (i % 2 == 0)
            {
                d = d * 2 > 9 ? (d * 2) - 9 : d * 2;
            }

            sum += d;
        }

        return payload + (char)('0' + ((10 - (sum % 10)) % 10));
    }

    private static string Digits(Random rng, int n) => new(Enumerable.Range(0, n).Select(_ => (char)('0' + rng.Next(10))).ToArray());

    private static string GermanIban(Random rng)
    {
        var bban = Digits(rng, 18);
        var remainder = 0;
        foreach (var c in bban + "131400")
        {
            remainder = ((remainder * 10) + (c - '0')) % 97;
        }

        return "DE" + (98 - remainder).ToString("00", System.Globalization.CultureInfo.InvariantCulture) + bban;
    }

    private static string Personal(Random rng) => rng.Next(4) switch
    {
        0 => $"{(char)('a' + rng.Next(26))}{Digits(rng, 3)}.user@mail{rng.Next(100)}.example.com",
        1 => Luhn("4" + Digits(rng, 14)),
        2 => GermanIban(rng),
        _ => "+44 20 7946 " + Digits(rng, 4),
    };

    /// <summary>For random conversations holding generated e-mails, cards, IBANs and phones, none of those values reaches the client.</summary>
    [FsProperty(MaxTest = 60)]
    public bool SendAsync_GeneratedPersonalData_NeverReachesTheClient(int seed)
    {
        var rng = new Random(seed);
        var values = new List<string>();
        string Line()
        {
            var sb = new StringBuilder("please help ");
            for (var i = rng.Next(1, 4); i > 0; i--)
            {
                var v = Personal(rng);
                values.Add(v);
                sb.Append(v).Append(rng.Next(2) == 0 ? " and " : ", then ");
            }

            return sb.Append("thanks").ToString();
        }

        var messages = new[]
        {
            new ChatMessage(ChatRole.User, Line()),
            new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "lookup", new Dictionary<string, object?> { ["q"] = Line() })]),
            new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", Line())]),
        };
        var s = new Setup(RedactionPolicy.RedactAndRestore);
        try
        {
            s.Router.SendAsync(Chat(messages)).GetAwaiter().GetResult();
            var sent = s.Client.Received.Single();
            var leaked = values.Where(v => sent.Contains(v, StringComparison.Ordinal) || sent.Contains(JsonEncodedText.Encode(v).ToString(), StringComparison.Ordinal)).ToList();
            return leaked.Count == 0 ? true : throw new AssertionException("Leaked: " + string.Join(" | ", leaked));
        }
        finally
        {
            s.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
