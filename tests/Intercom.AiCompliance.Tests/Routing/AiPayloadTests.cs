using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using Intercom.AiCompliance.Routing;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Tests.Routing;

/// <summary>Every kind of content counts towards the size limits and the Input digest, not only text.</summary>
public class AiPayloadTests
{
    private static string Digest(AiPayload payload)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        payload.AppendTo(hash);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static ChatPayload Chat(params AIContent[] contents) => new([new ChatMessage(ChatRole.User, [.. contents])]);

    [Test]
    public void InputBytes_FiveMegabyteImage_CountsItsBytes()
    {
        var image = new DataContent(new byte[5 * 1024 * 1024], "image/png");
        var payload = Chat(new TextContent("What is in this picture?"), image);

        payload.InputBytes.Should().Be(5 * 1024 * 1024);
        payload.InputSize.Should().Be("What is in this picture?".Length + "image/png".Length);
    }

    [Test]
    public void InputSize_ToolCallsResultsUrisAndInstructions_CountAsText()
    {
        var call = new FunctionCallContent("call-1", "lookup_order", new Dictionary<string, object?> { ["order"] = new string('x', 1000) });
        var result = new FunctionResultContent("call-1", new string('y', 2000));
        var uri = new UriContent(new Uri("https://example.test/" + new string('z', 500)), "image/png");
        var payload = new ChatPayload([new ChatMessage(ChatRole.Assistant, [call]), new ChatMessage(ChatRole.Tool, [result]), new ChatMessage(ChatRole.User, [uri])],
            new ChatOptions { Instructions = new string('i', 300) });

        payload.InputSize.Should().BeGreaterThan(1000 + 2000 + 500 + 300);
        payload.InputBytes.Should().Be(0);
    }

    [Test]
    public void InputSize_ContentTheRouterCannotRead_CountsAsTooLarge() =>
        Chat(new OpaqueContent()).InputSize.Should().BeGreaterThan(long.MaxValue / 8, "unknown means no: content that cannot be measured is refused");

    [Test]
    public void Digest_DifferentImages_DifferentDigests_EqualImages_EqualDigests()
    {
        var bytes = Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300).WithQuietOnSuccess(true), Prop.ForAll(bytes.ToArbitrary(), bytes.ToArbitrary(), (a, b) =>
        {
            var first = Digest(Chat(new TextContent("look"), new DataContent(a, "image/png")));
            var second = Digest(Chat(new TextContent("look"), new DataContent(b, "image/png")));
            (first == second).Should().Be(a.AsSpan().SequenceEqual(b), "the digest covers the image's bytes");
            Digest(Chat(new TextContent("look"), new DataContent(a, "image/png"))).Should().Be(first, "the digest is deterministic");
        }));
    }

    [Test]
    public void Digest_EveryContentKind_IsCovered()
    {
        var pairs = new (AIContent A, AIContent B)[]
        {
            (new DataContent(new byte[] { 1, 2, 3 }, "image/png"), new DataContent(new byte[] { 1, 2, 3 }, "image/jpeg")),
            (new UriContent(new Uri("https://example.test/a.png"), "image/png"), new UriContent(new Uri("https://example.test/b.png"), "image/png")),
            (new FunctionCallContent("c", "f", new Dictionary<string, object?> { ["x"] = 1 }), new FunctionCallContent("c", "f", new Dictionary<string, object?> { ["x"] = 2 })),
            (new FunctionResultContent("c", "result one"), new FunctionResultContent("c", "result two")),
            (new TextReasoningContent("think a"), new TextReasoningContent("think b")),
            (new TextContent("ab"), new DataContent(new byte[] { (byte)'a', 0, (byte)'b', 0 }, "text/plain")),
        };
        foreach (var (a, b) in pairs)
        {
            Digest(Chat(a)).Should().NotBe(Digest(Chat(b)), $"{a.GetType().Name} vs {b.GetType().Name}");
        }

        Digest(Chat(new TextContent("ab"), new TextContent("c"))).Should().NotBe(Digest(Chat(new TextContent("a"), new TextContent("bc"))), "parts are delimited");
        Digest(new ChatPayload([new ChatMessage(ChatRole.User, "x")], new ChatOptions { Instructions = "be terse" }))
            .Should().NotBe(Digest(new ChatPayload([new ChatMessage(ChatRole.User, "x")])), "instructions are sent, so they are digested");
    }

    [Test]
    public void OutputDigest_AnswersWithDifferentImages_Differ()
    {
        static string Of(AiOutput output)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            output.AppendTo(hash);
            return Convert.ToHexString(hash.GetHashAndReset());
        }

        Of(new ChatOutput(new ChatResponse(new ChatMessage(ChatRole.Assistant, [new DataContent(new byte[] { 1 }, "image/png")]))))
            .Should().NotBe(Of(new ChatOutput(new ChatResponse(new ChatMessage(ChatRole.Assistant, [new DataContent(new byte[] { 2 }, "image/png")])))));
    }

    private sealed class OpaqueContent : AIContent;
}
