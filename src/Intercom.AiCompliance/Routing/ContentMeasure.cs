using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Routing;

/// <summary>
/// Measures and digests every kind of chat content, not only its text: an image counts by its bytes and two different
/// images digest differently. Text-like parts (text, reasoning, tool calls and results, URIs, media types) count as
/// characters; data parts count as bytes. Content the router cannot read is counted as too large, so it is refused.
/// </summary>
internal static class ContentMeasure
{
    /// <summary>What a part counts as when it cannot be measured: more than any limit.</summary>
    internal const long Unmeasurable = long.MaxValue / 4;

    private static readonly JsonSerializerOptions Json = AIJsonUtilities.DefaultOptions;

    /// <summary>Adds the characters and bytes of <paramref name="contents"/>.</summary>
    public static void Measure(IList<AIContent> contents, ref long characters, ref long bytes)
    {
        for (var i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case TextContent t:
                    characters += t.Text?.Length ?? 0;
                    break;
                case DataContent d:
                    bytes += d.Data.Length;
                    characters += d.MediaType?.Length ?? 0;
                    break;
                case UriContent u:
                    characters += u.Uri.OriginalString.Length + (u.MediaType?.Length ?? 0);
                    break;
                case TextReasoningContent r:
                    characters += (r.Text?.Length ?? 0) + (r.ProtectedData?.Length ?? 0);
                    break;
                case FunctionCallContent f:
                    characters += (f.CallId?.Length ?? 0) + (f.Name?.Length ?? 0) + JsonLength(f.Arguments, typeof(IDictionary<string, object?>));
                    break;
                case FunctionResultContent f:
                    characters += (f.CallId?.Length ?? 0) + JsonLength(f.Result, typeof(object));
                    break;
                case { } other:
                    characters += JsonLength(other, typeof(AIContent));
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Feeds every part of <paramref name="contents"/>, tagged by kind and length-prefixed, into <paramref name="digest"/>.</summary>
    public static void Append(ref DigestWriter digest, IList<AIContent> contents)
    {
        digest.Int(contents.Count);
        for (var i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case TextContent t:
                    digest.Text("text");
                    digest.Text(t.Text);
                    break;
                case DataContent d:
                    digest.Text("data");
                    digest.Text(d.MediaType);
                    digest.Int(d.Data.Length);
                    digest.Bytes(d.Data.Span);
                    break;
                case UriContent u:
                    digest.Text("uri");
                    digest.Text(u.MediaType);
                    digest.Text(u.Uri.OriginalString);
                    break;
                case TextReasoningContent r:
                    digest.Text("reasoning");
                    digest.Text(r.Text);
                    digest.Text(r.ProtectedData);
                    break;
                case FunctionCallContent f:
                    digest.Text("function-call");
                    digest.Text(f.CallId);
                    digest.Text(f.Name);
                    digest.Text(JsonOf(f.Arguments, typeof(IDictionary<string, object?>)));
                    break;
                case FunctionResultContent f:
                    digest.Text("function-result");
                    digest.Text(f.CallId);
                    digest.Text(JsonOf(f.Result, typeof(object)));
                    break;
                case { } other:
                    digest.Text(other.GetType().FullName);
                    digest.Text(JsonOf(other, typeof(AIContent)));
                    break;
                default:
                    digest.Text("null");
                    break;
            }
        }
    }

    /// <summary>Feeds <paramref name="text"/>, length-prefixed, into <paramref name="hash"/>.</summary>
    public static void AppendText(IncrementalHash hash, string? text)
    {
        text ??= string.Empty;
        AppendInt(hash, text.Length);
        hash.AppendData(MemoryMarshal.AsBytes(text.AsSpan()));
    }

    /// <summary>Feeds a length or count into <paramref name="hash"/>.</summary>
    public static void AppendInt(IncrementalHash hash, int value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        hash.AppendData(b);
    }

    /// <summary>The characters of a value's JSON; <see cref="Unmeasurable"/> when a value is there but cannot be serialised.</summary>
    private static long JsonLength(object? value, Type declared) =>
        value is null ? 0 : JsonOf(value, declared) is { Length: > 0 } json ? json.Length : Unmeasurable;

    /// <summary>The JSON of a value as Microsoft.Extensions.AI serialises it; empty when it cannot be serialised.</summary>
    private static string JsonOf(object? value, Type declared)
    {
        if (value is null)
        {
            return string.Empty;
        }

        try
        {
            return JsonSerializer.Serialize(value, Json.GetTypeInfo(declared));
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException or ArgumentException)
        {
            return string.Empty;
        }
    }
}

/// <summary>
/// Gathers the many small pieces of a digest (tags, lengths, short texts) in a stack buffer and hands them to the
/// keyed hash in few calls: each call into the hash costs far more than copying a few bytes.
/// </summary>
internal ref struct DigestWriter(IncrementalHash hash, Span<byte> buffer)
{
    private readonly IncrementalHash _hash = hash;
    private readonly Span<byte> _buffer = buffer;
    private int _used;

    /// <summary>A length or count.</summary>
    public void Int(int value)
    {
        if (_buffer.Length - _used < 4)
        {
            Flush();
        }

        BinaryPrimitives.WriteInt32LittleEndian(_buffer[_used..], value);
        _used += 4;
    }

    /// <summary>A text, length-prefixed.</summary>
    public void Text(string? text)
    {
        text ??= string.Empty;
        Int(text.Length);
        Bytes(MemoryMarshal.AsBytes(text.AsSpan()));
    }

    /// <summary>Raw bytes.</summary>
    public void Bytes(ReadOnlySpan<byte> data)
    {
        if (data.Length <= _buffer.Length - _used)
        {
            data.CopyTo(_buffer[_used..]);
            _used += data.Length;
            return;
        }

        Flush();
        if (data.Length <= _buffer.Length)
        {
            data.CopyTo(_buffer);
            _used = data.Length;
        }
        else
        {
            _hash.AppendData(data);
        }
    }

    /// <summary>Hands whatever is buffered to the hash; call once at the end.</summary>
    public void Flush()
    {
        if (_used > 0)
        {
            _hash.AppendData(_buffer[.._used]);
            _used = 0;
        }
    }
}
