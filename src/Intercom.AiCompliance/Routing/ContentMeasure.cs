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

    /// <summary>Feeds every part of <paramref name="contents"/>, tagged by kind and length-prefixed, into <paramref name="hash"/>.</summary>
    public static void Append(IncrementalHash hash, IList<AIContent> contents)
    {
        AppendInt(hash, contents.Count);
        for (var i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case TextContent t:
                    AppendText(hash, "text");
                    AppendText(hash, t.Text);
                    break;
                case DataContent d:
                    AppendText(hash, "data");
                    AppendText(hash, d.MediaType);
                    AppendInt(hash, d.Data.Length);
                    hash.AppendData(d.Data.Span);
                    break;
                case UriContent u:
                    AppendText(hash, "uri");
                    AppendText(hash, u.MediaType);
                    AppendText(hash, u.Uri.OriginalString);
                    break;
                case TextReasoningContent r:
                    AppendText(hash, "reasoning");
                    AppendText(hash, r.Text);
                    AppendText(hash, r.ProtectedData);
                    break;
                case FunctionCallContent f:
                    AppendText(hash, "function-call");
                    AppendText(hash, f.CallId);
                    AppendText(hash, f.Name);
                    AppendText(hash, JsonOf(f.Arguments, typeof(IDictionary<string, object?>)));
                    break;
                case FunctionResultContent f:
                    AppendText(hash, "function-result");
                    AppendText(hash, f.CallId);
                    AppendText(hash, JsonOf(f.Result, typeof(object)));
                    break;
                case { } other:
                    AppendText(hash, other.GetType().FullName);
                    AppendText(hash, JsonOf(other, typeof(AIContent)));
                    break;
                default:
                    AppendText(hash, "null");
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
