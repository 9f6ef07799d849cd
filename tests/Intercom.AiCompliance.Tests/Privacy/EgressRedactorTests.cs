using System.Text;
using System.Text.Json;
using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using Intercom.AiCompliance.Privacy;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;
using FsProperty = FsCheck.NUnit.PropertyAttribute;

namespace Intercom.AiCompliance.Tests.Privacy;

public class EgressRedactorTests
{
    private static EgressRedactor NewRedactor(RedactionPolicy policy = RedactionPolicy.RedactAndRestore, params string[] participants) =>
        new(PersonalDataDetector.Default, new RecognitionContext(new CustomerReferences(), participants), policy);

    [Test]
    public void Redact_SameValueTwiceAndTwoKinds_GetsStableTypedPlaceholders()
    {
        var redactor = NewRedactor();

        var first = redactor.Redact("Mail ada@example.com or bob@example.org, card 4111 1111 1111 1111.");
        var second = redactor.Redact("Again: ada@example.com");

        first.Should().Be("Mail [EMAIL_1] or [EMAIL_2], card [CARD_1].");
        second.Should().Be("Again: [EMAIL_1]");
        redactor.Counts.Should().BeEquivalentTo(new Dictionary<string, int> { ["EMAIL"] = 3, ["CARD"] = 1 });
    }

    [Test]
    public void Redact_ChatPayload_CoversTextToolArgumentsToolResultsAndInstructions()
    {
        var redactor = NewRedactor();
        var payload = new ChatPayload(
        [
            new ChatMessage(ChatRole.User, "I am ada@example.com"),
            new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "lookup", new Dictionary<string, object?>
            {
                ["email"] = "ada@example.com",
                ["filter"] = JsonDocument.Parse("""{"card":"4111111111111111","n":3}""").RootElement.Clone(),
            })]),
            new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", "Customer IBAN GB82 WEST 1234 5698 7654 32")]),
        ], new ChatOptions { Instructions = "Never e-mail carol@example.net" });

        var redacted = (ChatPayload)redactor.Redact(payload);

        var all = Serialize(redacted);
        all.Should().NotContain("ada@example.com").And.NotContain("4111111111111111").And.NotContain("GB82").And.NotContain("carol@example.net");
        redacted.Messages[0].Text.Should().Be("I am [EMAIL_1]");
        var call = (FunctionCallContent)redacted.Messages[1].Contents[0];
        call.Arguments!["email"].Should().Be("[EMAIL_1]");
        ((JsonElement)call.Arguments["filter"]!).GetProperty("card").GetString().Should().Be("[CARD_1]");
        ((JsonElement)call.Arguments["filter"]!).GetProperty("n").GetInt32().Should().Be(3);
        ((FunctionResultContent)redacted.Messages[2].Contents[0]).Result.Should().Be("Customer IBAN [IBAN_1]");
        redacted.Options!.Instructions.Should().Be("Never e-mail [EMAIL_2]");
        // The caller's payload is not changed.
        payload.Messages[0].Text.Should().Be("I am ada@example.com");
    }

    [Test]
    public void Redact_ToolArgumentOfUninspectableType_ThrowsWithoutContent()
    {
        var redactor = NewRedactor();
        var payload = new ChatPayload([new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "f", new Dictionary<string, object?> { ["x"] = new Uri("mailto:ada@example.com") })])]);

        var act = () => redactor.Redact(payload);

        act.Should().Throw<NotSupportedException>().Which.Message.Should().NotContain("ada@example.com");
    }

    [Test]
    public void Redact_TranscriptionAudio_IsRefusedNotPassedThrough()
    {
        var act = () => NewRedactor().Redact(new TranscriptionPayload(new byte[] { 1, 2, 3 }));

        act.Should().Throw<NotSupportedException>();
    }

    [Test]
    public void Restore_Text_PutsKnownPlaceholdersBackAndLeavesInventedOnes()
    {
        var redactor = NewRedactor();
        redactor.Redact("ada@example.com and 4111 1111 1111 1111");

        redactor.Restore("Wrote to [EMAIL_1] about [CARD_1]; [EMAIL_7] and [email_1] and [EMAIL_1 stay.")
            .Should().Be("Wrote to ada@example.com about 4111 1111 1111 1111; [EMAIL_7] and [email_1] and [EMAIL_1 stay.");
    }

    [Test]
    public void Restore_ChatOutput_RestoresTextAndReturnedToolCallArguments()
    {
        var redactor = NewRedactor();
        redactor.Redact("ada@example.com");
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant,
        [
            new TextContent("Sending to [EMAIL_1]"),
            new FunctionCallContent("c2", "send", new Dictionary<string, object?>
            {
                ["to"] = "[EMAIL_1]",
                ["json"] = JsonDocument.Parse("""{"cc":["[EMAIL_1]","[EMAIL_9]"]}""").RootElement.Clone(),
            }),
        ]));

        var output = (ChatOutput)redactor.Restore(new ChatOutput(response));

        var contents = output.Response.Messages[0].Contents;
        ((TextContent)contents[0]).Text.Should().Be("Sending to ada@example.com");
        var args = ((FunctionCallContent)contents[1]).Arguments!;
        args["to"].Should().Be("ada@example.com");
        ((JsonElement)args["json"]!).GetProperty("cc")[0].GetString().Should().Be("ada@example.com");
        ((JsonElement)args["json"]!).GetProperty("cc")[1].GetString().Should().Be("[EMAIL_9]");
    }

    /// <summary>Whatever positions a streamed answer is cut at, the caller gets exactly the restored whole.</summary>
    [FsProperty(MaxTest = 300)]
    public bool StreamRestorer_PlaceholdersSplitAtAnyPositions_DeliverTheRestoredWhole(int seed)
    {
        var rng = new Random(seed);
        var redactor = NewRedactor();
        redactor.Redact("ada@example.com, bob@example.org, 4111 1111 1111 1111, GB82 WEST 1234 5698 7654 32");
        string[] pieces = ["[EMAIL_1]", "[EMAIL_2]", "[CARD_1]", "[IBAN_1]", "[EMAIL_9]", "[", "]", "[[", "text ", "[ID", "x_1] ", "\n"];
        var answer = new StringBuilder();
        for (var i = rng.Next(1, 12); i > 0; i--)
        {
            answer.Append(pieces[rng.Next(pieces.Length)]);
        }

        var whole = answer.ToString();
        var expected = redactor.Restore(whole);
        var cuts = Enumerable.Range(1, Math.Max(0, whole.Length - 1)).Where(_ => rng.Next(3) == 0).ToList();
        var restorer = new StreamRestorer(redactor);
        var delivered = new StringBuilder();
        var at = 0;
        foreach (var cut in cuts.Append(whole.Length))
        {
            var update = new List<AIContent> { new TextContent(whole[at..cut]) };
            restorer.Apply(update);
            delivered.Append(((TextContent)update[0]).Text);
            at = cut;
        }

        delivered.Append(restorer.Flush());
        return delivered.ToString() == expected
            ? true
            : throw new AssertionException($"'{whole}' cut at {string.Join(",", cuts)} gave '{delivered}', expected '{expected}'");
    }

    [Test]
    public void StreamRestorer_PlaceholderSplitAtEveryPosition_IsRestored()
    {
        var redactor = NewRedactor();
        redactor.Redact("ada@example.com");
        const string whole = "To [EMAIL_1] now";
        for (var cut = 1; cut < whole.Length; cut++)
        {
            var restorer = new StreamRestorer(redactor);
            var a = restorer.Next(whole[..cut]);
            var b = restorer.Next(whole[cut..]);
            (a + b + restorer.Flush()).Should().Be("To ada@example.com now", $"cut at {cut}");
            a.Should().NotContain("[EMAIL", "a split placeholder is held back, not sent half-restored");
        }
    }

    private static string Serialize(ChatPayload payload) =>
        JsonSerializer.Serialize(payload.Messages, AIJsonUtilities.DefaultOptions) + payload.Options?.Instructions;
}
