using System.Security.Cryptography;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Routing;

/// <summary>The Output a provider returned. One subtype per capability.</summary>
public abstract record AiOutput
{
    private protected AiOutput()
    {
    }

    /// <summary>The tokens the provider reported for this call, when it reported any; the audit record keeps the counts.</summary>
    public virtual UsageDetails? Usage { get; init; }

    /// <summary>Feeds the output's content into a keyed digest for the audit trail.</summary>
    internal abstract void AppendTo(IncrementalHash hash);

    /// <summary>The output's text, for anonymisation before training; empty for audio and vectors.</summary>
    internal abstract IEnumerable<string> Texts();

    private protected static void Append(IncrementalHash hash, string? text) => ContentMeasure.AppendText(hash, text);
}

/// <summary>A chat answer in Microsoft.Extensions.AI's shape.</summary>
/// <param name="Response">The response.</param>
public sealed record ChatOutput(ChatResponse Response) : AiOutput
{
    /// <inheritdoc/>
    public override UsageDetails? Usage
    {
        get => Response.Usage;
        init => Response.Usage = value;
    }

    internal override void AppendTo(IncrementalHash hash)
    {
        // Every part of every message: an answer with an image or a tool call digests by all of it, not its text alone.
        var digest = new DigestWriter(hash, stackalloc byte[512]);
        var messages = Response.Messages;
        digest.Int(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            digest.Text(messages[i].Role.Value);
            ContentMeasure.Append(ref digest, messages[i].Contents);
        }

        digest.Flush();
    }

    internal override IEnumerable<string> Texts() => [Response.Text];
}

/// <summary>Synthesised speech.</summary>
/// <param name="Audio">The audio bytes.</param>
/// <param name="MediaType">The audio's media type.</param>
public sealed record SpeechOutput(ReadOnlyMemory<byte> Audio, string MediaType) : AiOutput
{
    internal override void AppendTo(IncrementalHash hash)
    {
        Append(hash, MediaType);
        hash.AppendData(Audio.Span);
    }

    internal override IEnumerable<string> Texts() => [];
}

/// <summary>A transcript.</summary>
/// <param name="Text">The transcribed text.</param>
public sealed record TranscriptOutput(string Text) : AiOutput
{
    internal override void AppendTo(IncrementalHash hash) => Append(hash, Text);

    internal override IEnumerable<string> Texts() => [Text];
}

/// <summary>Embedding vectors, one per input, in input order.</summary>
/// <param name="Vectors">The vectors.</param>
public sealed record EmbeddingOutput(IReadOnlyList<ReadOnlyMemory<float>> Vectors) : AiOutput
{
    internal override void AppendTo(IncrementalHash hash)
    {
        ContentMeasure.AppendInt(hash, Vectors.Count);
        foreach (var v in Vectors)
        {
            ContentMeasure.AppendInt(hash, v.Length);
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.Span));
        }
    }

    internal override IEnumerable<string> Texts() => [];
}

/// <summary>Relevance scores, one per document, in document order.</summary>
/// <param name="Scores">The scores, from 0 (irrelevant) to 1.</param>
public sealed record RerankOutput(IReadOnlyList<double> Scores) : AiOutput
{
    internal override void AppendTo(IncrementalHash hash)
    {
        Span<byte> b = stackalloc byte[8];
        foreach (var s in Scores)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(b, s);
            hash.AppendData(b);
        }
    }

    internal override IEnumerable<string> Texts() => [];
}
