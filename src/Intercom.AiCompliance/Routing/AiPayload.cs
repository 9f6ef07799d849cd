using System.Security.Cryptography;

using Intercom.AiCompliance.Catalog;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Routing;

/// <summary>The Input of a request: what would be sent to a provider. One subtype per capability.</summary>
public abstract record AiPayload
{
    private protected AiPayload()
    {
    }

    /// <summary>The capability this payload needs.</summary>
    public abstract Capability Capability { get; }

    /// <summary>
    /// The size that the text limit applies to: characters of text (for a chat, every text-like part: text, reasoning,
    /// tool calls and results, URIs and media types, and the instructions), or, for transcription, bytes of audio.
    /// </summary>
    public abstract long InputSize { get; }

    /// <summary>The bytes of non-text content (a chat's images, files and other data parts) that the byte limit applies to.</summary>
    public virtual long InputBytes => 0;

    /// <summary>Feeds the payload's content into a keyed digest, so the audit trail can prove what was sent without holding it.</summary>
    internal abstract void AppendTo(IncrementalHash hash);

    /// <summary>The payload's text, for anonymisation before training; empty for audio.</summary>
    internal abstract IEnumerable<string> Texts();

    private protected static void Append(IncrementalHash hash, string? text) => ContentMeasure.AppendText(hash, text);
}

/// <summary>A chat request in Microsoft.Extensions.AI's shape.</summary>
/// <param name="Messages">The conversation to continue.</param>
/// <param name="Options">Chat options; the model id in it is ignored because the router picks the deployment.</param>
public sealed record ChatPayload(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options = null) : AiPayload
{
    /// <inheritdoc/>
    public override Capability Capability => Capability.Chat;

    /// <inheritdoc/>
    public override long InputSize => Measure().Characters;

    /// <inheritdoc/>
    public override long InputBytes => Measure().Bytes;

    private (long Characters, long Bytes) Measure()
    {
        long characters = Options?.Instructions?.Length ?? 0;
        long bytes = 0;
        for (var i = 0; i < Messages.Count; i++)
        {
            ContentMeasure.Measure(Messages[i].Contents, ref characters, ref bytes);
        }

        return (characters, bytes);
    }

    internal override void AppendTo(IncrementalHash hash)
    {
        // Every part of every message, not only its text: two different images must not share a digest.
        var digest = new DigestWriter(hash, stackalloc byte[512]);
        digest.Text(Options?.Instructions);
        digest.Int(Messages.Count);
        for (var i = 0; i < Messages.Count; i++)
        {
            digest.Text(Messages[i].Role.Value);
            ContentMeasure.Append(ref digest, Messages[i].Contents);
        }

        digest.Flush();
    }

    internal override IEnumerable<string> Texts() => Messages.Select(m => m.Text);
}

/// <summary>Text to speak.</summary>
/// <param name="Text">What to say.</param>
/// <param name="Voice">A voice name; clients fall back to their default.</param>
public sealed record SpeechSynthesisPayload(string Text, string? Voice = null) : AiPayload
{
    /// <inheritdoc/>
    public override Capability Capability => Capability.SpeechSynthesis;

    /// <inheritdoc/>
    public override long InputSize => Text?.Length ?? 0;

    internal override void AppendTo(IncrementalHash hash)
    {
        Append(hash, Voice);
        Append(hash, Text);
    }

    internal override IEnumerable<string> Texts() => [Text];
}

/// <summary>Audio to transcribe.</summary>
/// <param name="Audio">The audio bytes.</param>
/// <param name="MediaType">The audio's media type, such as <c>audio/wav</c>.</param>
public sealed record TranscriptionPayload(ReadOnlyMemory<byte> Audio, string MediaType = "audio/wav") : AiPayload
{
    /// <inheritdoc/>
    public override Capability Capability => Capability.Transcription;

    /// <inheritdoc/>
    public override long InputSize => Audio.Length;

    internal override void AppendTo(IncrementalHash hash)
    {
        Append(hash, MediaType);
        ContentMeasure.AppendInt(hash, Audio.Length);
        hash.AppendData(Audio.Span);
    }

    internal override IEnumerable<string> Texts() => [];
}

/// <summary>Texts to embed.</summary>
/// <param name="Inputs">The texts.</param>
public sealed record EmbeddingPayload(IReadOnlyList<string> Inputs) : AiPayload
{
    /// <inheritdoc/>
    public override Capability Capability => Capability.Embeddings;

    /// <inheritdoc/>
    public override long InputSize
    {
        get
        {
            long size = 0;
            for (var i = 0; i < Inputs.Count; i++)
            {
                size += Inputs[i]?.Length ?? 0;
            }

            return size;
        }
    }

    internal override void AppendTo(IncrementalHash hash)
    {
        ContentMeasure.AppendInt(hash, Inputs.Count);
        foreach (var s in Inputs)
        {
            Append(hash, s);
        }
    }

    internal override IEnumerable<string> Texts() => Inputs;
}

/// <summary>Passages to rank against a query.</summary>
/// <param name="Query">The query.</param>
/// <param name="Documents">The passages.</param>
public sealed record RerankPayload(string Query, IReadOnlyList<string> Documents) : AiPayload
{
    /// <inheritdoc/>
    public override Capability Capability => Capability.Reranking;

    /// <inheritdoc/>
    public override long InputSize
    {
        get
        {
            long size = Query?.Length ?? 0;
            for (var i = 0; i < Documents.Count; i++)
            {
                size += Documents[i]?.Length ?? 0;
            }

            return size;
        }
    }

    internal override void AppendTo(IncrementalHash hash)
    {
        Append(hash, Query);
        ContentMeasure.AppendInt(hash, Documents.Count);
        foreach (var d in Documents)
        {
            Append(hash, d);
        }
    }

    internal override IEnumerable<string> Texts() => [Query, .. Documents];
}

