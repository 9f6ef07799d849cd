using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// Egress redaction of one request: replaces personal data in the Input by typed placeholders that are stable within the
/// request (<c>[EMAIL_1]</c>, <c>[PERSON_2]</c>; the same value always gets the same placeholder), and puts them back in
/// the Output. The mapping lives only in this object, for the request, and is never logged or put in an exception.
/// </summary>
/// <remarks>One instance per request; not thread-safe. Exceptions it throws carry type names only, never content.</remarks>
internal sealed class EgressRedactor
{
    private readonly PersonalDataDetector _detector;
    private readonly RecognitionContext _context;
    private readonly Dictionary<string, string> _placeholderOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _valueOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _numbered = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public EgressRedactor(PersonalDataDetector detector, RecognitionContext context, RedactionPolicy policy)
    {
        _detector = detector;
        _context = context;
        Policy = policy;
    }

    public RedactionPolicy Policy { get; }

    /// <summary>Whether the Output's placeholders are put back.</summary>
    public bool Restores => Policy == RedactionPolicy.RedactAndRestore && _valueOf.Count > 0;

    /// <summary>How many items of each kind were replaced (occurrences).</summary>
    public IReadOnlyDictionary<string, int> Counts => new SortedDictionary<string, int>(_counts, StringComparer.Ordinal);

    /// <summary>The length of the longest placeholder handed out; a streamed tail shorter than this may be one's start.</summary>
    internal int LongestPlaceholder { get; private set; }

    /// <summary>Returns the payload with its personal data replaced; a payload without any comes back as the same instance.</summary>
    /// <exception cref="NotSupportedException">A part of the Input cannot be redacted (audio, or a tool argument of an unknown type).</exception>
    public AiPayload Redact(AiPayload payload) => payload switch
    {
        ChatPayload chat => RedactChat(chat),
        SpeechSynthesisPayload speech => Redact(speech.Text) is var text && Same(text, speech.Text) ? speech : speech with { Text = text },
        EmbeddingPayload embed => RedactList(embed.Inputs) is { } inputs ? embed with { Inputs = inputs } : embed,
        RerankPayload rerank => RedactRerank(rerank),
        _ => throw new NotSupportedException($"A {payload.GetType().Name} cannot be redacted."),
    };

    private static bool Same(string? a, string? b) => ReferenceEquals(a, b);

    private RerankPayload RedactRerank(RerankPayload rerank)
    {
        var query = Redact(rerank.Query);
        var documents = RedactList(rerank.Documents);
        return Same(query, rerank.Query) && documents is null ? rerank : rerank with { Query = query, Documents = documents ?? rerank.Documents };
    }

    private string[]? RedactList(IReadOnlyList<string> texts)
    {
        string[]? changed = null;
        for (var i = 0; i < texts.Count; i++)
        {
            var r = Redact(texts[i]);
            if (!Same(r, texts[i]))
            {
                changed ??= texts.ToArray();
                changed[i] = r;
            }
        }

        return changed;
    }

    private ChatPayload RedactChat(ChatPayload chat)
    {
        var changed = false;
        var messages = new ChatMessage[chat.Messages.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            var message = chat.Messages[i];
            var contents = RedactContents(message.Contents);
            // An author name holding personal data is dropped (a placeholder is not a valid name for most providers).
            var author = message.AuthorName is { } name && !Same(Redact(name), name) ? null : message.AuthorName;
            if (contents is null && Same(author, message.AuthorName))
            {
                messages[i] = message;
                continue;
            }

            changed = true;
            // A new message: the provider's raw representation of the original is not carried over, since a client
            // could send it instead of the contents.
            messages[i] = new ChatMessage(message.Role, contents ?? message.Contents.ToList())
            {
                AuthorName = author,
                MessageId = message.MessageId,
                AdditionalProperties = message.AdditionalProperties,
            };
        }

        var options = chat.Options;
        if (options?.Instructions is { } instructions && Redact(instructions) is var redactedInstructions && !Same(redactedInstructions, instructions))
        {
            options = options.Clone();
            options.Instructions = redactedInstructions;
            changed = true;
        }

        return changed ? new ChatPayload(messages, options) : chat;
    }

    private List<AIContent>? RedactContents(IList<AIContent> contents)
    {
        List<AIContent>? changed = null;
        for (var i = 0; i < contents.Count; i++)
        {
            var content = contents[i];
            AIContent replaced = content;
            switch (content)
            {
                case TextContent t:
                    var text = Redact(t.Text);
                    replaced = Same(text, t.Text) ? content : new TextContent(text) { AdditionalProperties = t.AdditionalProperties };
                    break;
                case TextReasoningContent r:
                    var reasoning = Redact(r.Text);
                    replaced = Same(reasoning, r.Text) ? content : new TextReasoningContent(reasoning);
                    break;
                case FunctionCallContent { Arguments: { } args } call:
                    replaced = RedactArguments(args) is { } redacted ? new FunctionCallContent(call.CallId, call.Name, redacted) : content;
                    break;
                case FunctionResultContent result:
                    replaced = RedactValue(result.Result, out var value) ? new FunctionResultContent(result.CallId, value) : content;
                    break;
            }

            if (!ReferenceEquals(replaced, content))
            {
                changed ??= contents.ToList();
                changed[i] = replaced;
            }
        }

        return changed;
    }

    private Dictionary<string, object?>? RedactArguments(IDictionary<string, object?> arguments)
    {
        Dictionary<string, object?>? changed = null;
        foreach (var (key, value) in arguments)
        {
            if (RedactValue(value, out var redacted))
            {
                changed ??= new Dictionary<string, object?>(arguments, StringComparer.Ordinal);
                changed[key] = redacted;
            }
        }

        return changed;
    }

    /// <summary>Redacts a tool argument or result; false when nothing in it changed.</summary>
    private bool RedactValue(object? value, out object? redacted) => Transform(value, Redact, true, out redacted);

    /// <summary>Redacts one text; the same instance when it holds no personal data.</summary>
    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        var matches = _detector.Detect(text, _context);
        if (matches.Count == 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + (matches.Count * 8));
        var at = 0;
        foreach (var m in matches)
        {
            builder.Append(text, at, m.Index - at);
            builder.Append(PlaceholderFor(text.Substring(m.Index, m.Length), m.Kind.Name));
            at = m.End;
        }

        builder.Append(text, at, text.Length - at);
        return builder.ToString();
    }

    private string PlaceholderFor(string value, string kind)
    {
        _counts[kind] = _counts.GetValueOrDefault(kind) + 1;
        if (_placeholderOf.TryGetValue(value, out var existing))
        {
            return existing;
        }

        var n = _numbered.GetValueOrDefault(kind) + 1;
        _numbered[kind] = n;
        var placeholder = string.Create(CultureInfo.InvariantCulture, $"[{kind}_{n}]");
        _placeholderOf[value] = placeholder;
        _valueOf[placeholder] = value;
        LongestPlaceholder = Math.Max(LongestPlaceholder, placeholder.Length);
        return placeholder;
    }

    /// <summary>Puts this request's placeholders back in <paramref name="text"/>; an unknown placeholder stays as it is.</summary>
    public string Restore(string text)
    {
        if (_valueOf.Count == 0 || string.IsNullOrEmpty(text) || !text.Contains('[', StringComparison.Ordinal))
        {
            return text;
        }

        StringBuilder? builder = null;
        var copied = 0;
        var i = text.IndexOf('[', StringComparison.Ordinal);
        while (i >= 0)
        {
            var end = PlaceholderEnd(text, i);
            if (end > 0 && _valueOf.TryGetValue(text[i..end], out var value))
            {
                builder ??= new StringBuilder(text.Length + 32);
                builder.Append(text, copied, i - copied).Append(value);
                copied = end;
                i = text.IndexOf('[', end);
            }
            else
            {
                i = text.IndexOf('[', i + 1);
            }
        }

        return builder is null ? text : builder.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>The index just past a well-formed placeholder starting at <paramref name="start"/>, or 0.</summary>
    private static int PlaceholderEnd(string text, int start)
    {
        for (var j = start + 1; j < text.Length; j++)
        {
            var c = text[j];
            if (c == ']')
            {
                return j > start + 1 ? j + 1 : 0;
            }

            if (!IsPlaceholderChar(c))
            {
                return 0;
            }
        }

        return 0;
    }

    private static bool IsPlaceholderChar(char c) => c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_';

    /// <summary>
    /// Where the possible start of a placeholder begins at the end of <paramref name="text"/> (a '[' followed only by
    /// placeholder characters, shorter than the longest placeholder), or -1 when the text can be flushed whole.
    /// </summary>
    internal int PendingStart(string text)
    {
        var from = Math.Max(0, text.Length - LongestPlaceholder + 1);
        for (var i = text.Length - 1; i >= from; i--)
        {
            var c = text[i];
            if (c == '[')
            {
                return i;
            }

            if (!IsPlaceholderChar(c))
            {
                return -1;
            }
        }

        return -1;
    }

    /// <summary>
    /// Puts the placeholders back in a whole Output; the same instance when nothing changed. The provider's objects are
    /// never changed: what holds a restored value is a copy, so a client that hands out one response instance twice (a
    /// cache in front of a deployment, a fake) never keeps one request's personal data for the next.
    /// </summary>
    public AiOutput Restore(AiOutput output)
    {
        switch (output)
        {
            case ChatOutput chat:
                var response = chat.Response;
                List<ChatMessage>? messages = null;
                for (var i = 0; i < response.Messages.Count; i++)
                {
                    var message = response.Messages[i];
                    var contents = RestoredCopy(message.Contents, texts: true);
                    if (contents is null)
                    {
                        messages?.Add(message);
                        continue;
                    }

                    messages ??= [.. response.Messages.Take(i)];
                    messages.Add(new ChatMessage(message.Role, contents)
                    {
                        AuthorName = message.AuthorName,
                        MessageId = message.MessageId,
                        CreatedAt = message.CreatedAt,
                        AdditionalProperties = message.AdditionalProperties,
                        RawRepresentation = message.RawRepresentation,
                    });
                }

                return messages is null
                    ? chat
                    : chat with
                    {
                        Response = new ChatResponse(messages)
                        {
                            ResponseId = response.ResponseId,
                            ConversationId = response.ConversationId,
                            ModelId = response.ModelId,
                            CreatedAt = response.CreatedAt,
                            FinishReason = response.FinishReason,
                            Usage = response.Usage,
                            AdditionalProperties = response.AdditionalProperties,
                            RawRepresentation = response.RawRepresentation,
                        },
                    };
            case TranscriptOutput transcript:
                var text = Restore(transcript.Text);
                return Same(text, transcript.Text) ? transcript : transcript with { Text = text };
            default:
                return output;
        }
    }

    /// <summary>
    /// Puts the placeholders back in the parts of one streamed update: each part that changes is replaced in the update's
    /// list by a restored copy (the part objects themselves are never changed).
    /// </summary>
    internal void RestoreContents(IList<AIContent> contents, bool texts = true)
    {
        for (var i = 0; i < contents.Count; i++)
        {
            if (RestoredCopy(contents[i], texts) is { } copy)
            {
                contents[i] = copy;
            }
        }
    }

    /// <summary>A new list with restored copies of the parts that change; <see langword="null"/> when none does.</summary>
    private List<AIContent>? RestoredCopy(IList<AIContent> contents, bool texts)
    {
        List<AIContent>? copy = null;
        for (var i = 0; i < contents.Count; i++)
        {
            var restored = RestoredCopy(contents[i], texts);
            if (restored is not null)
            {
                copy ??= [.. contents.Take(i)];
            }

            copy?.Add(restored ?? contents[i]);
        }

        return copy;
    }

    /// <summary>A restored copy of one part (text, reasoning, tool call, tool result); <see langword="null"/> when it does not change.</summary>
    private AIContent? RestoredCopy(AIContent content, bool texts)
    {
        switch (content)
        {
            case TextContent t when texts:
                var text = Restore(t.Text);
                return Same(text, t.Text) ? null : new TextContent(text) { AdditionalProperties = t.AdditionalProperties, Annotations = t.Annotations };
            case TextReasoningContent r when texts:
                var reasoning = Restore(r.Text);
                return Same(reasoning, r.Text) ? null : new TextReasoningContent(reasoning) { AdditionalProperties = r.AdditionalProperties, Annotations = r.Annotations };
            case FunctionCallContent { Arguments: { } args } call:
                Dictionary<string, object?>? restoredArgs = null;
                foreach (var (key, value) in args)
                {
                    if (Transform(value, Restore, false, out var restored))
                    {
                        (restoredArgs ??= new Dictionary<string, object?>(args, StringComparer.Ordinal))[key] = restored;
                    }
                }

                return restoredArgs is null ? null : new FunctionCallContent(call.CallId, call.Name, restoredArgs)
                {
                    AdditionalProperties = call.AdditionalProperties,
                    Annotations = call.Annotations,
                    Exception = call.Exception,
                    InformationalOnly = call.InformationalOnly,
                };
            case FunctionResultContent result when Transform(result.Result, Restore, false, out var value):
                return new FunctionResultContent(result.CallId, value)
                {
                    AdditionalProperties = result.AdditionalProperties,
                    Annotations = result.Annotations,
                    Exception = result.Exception,
                };
            default:
                return null;
        }
    }

    /// <summary>
    /// Applies <paramref name="map"/> to every text inside a tool argument or result: strings, numbers (a card number can
    /// be one), JSON, dictionaries and lists. Anything else cannot be inspected: redaction refuses it (fail closed,
    /// <paramref name="strict"/>), restoring leaves it as it is.
    /// </summary>
    private static bool Transform(object? value, Func<string, string> map, bool strict, out object? result)
    {
        result = value;
        switch (value)
        {
            case null or bool:
                return false;
            case string s:
                result = map(s);
                return !Same((string)result, s);
            case sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal:
                var digits = Convert.ToString(value, CultureInfo.InvariantCulture)!;
                var mapped = map(digits);
                result = Same(mapped, digits) ? value : mapped;
                return !Same(mapped, digits);
            case JsonElement element:
                var node = JsonNode.Parse(element.GetRawText());
                if (!TransformNode(ref node, map))
                {
                    return false;
                }

                using (var document = JsonDocument.Parse(node is null ? "null" : node.ToJsonString()))
                {
                    result = document.RootElement.Clone();
                }

                return true;
            case JsonNode jsonNode:
                var copy = JsonNode.Parse(jsonNode.ToJsonString());
                if (!TransformNode(ref copy, map))
                {
                    return false;
                }

                result = copy;
                return true;
            case IDictionary<string, object?> dictionary:
                Dictionary<string, object?>? changedDictionary = null;
                foreach (var (k, v) in dictionary)
                {
                    if (Transform(v, map, strict, out var r))
                    {
                        changedDictionary ??= new Dictionary<string, object?>(dictionary, StringComparer.Ordinal);
                        changedDictionary[k] = r;
                    }
                }

                result = (object?)changedDictionary ?? value;
                return changedDictionary is not null;
            case IEnumerable<object?> list:
                var items = list.ToList();
                var changedList = false;
                for (var i = 0; i < items.Count; i++)
                {
                    if (Transform(items[i], map, strict, out var r))
                    {
                        items[i] = r;
                        changedList = true;
                    }
                }

                result = changedList ? items : value;
                return changedList;
            default:
                return strict
                    ? throw new NotSupportedException($"A tool argument or result of type {value.GetType().Name} cannot be inspected for personal data.")
                    : false;
        }
    }

    private static bool TransformNode(ref JsonNode? node, Func<string, string> map)
    {
        switch (node)
        {
            case JsonObject obj:
                var changedObject = false;
                foreach (var key in obj.Select(p => p.Key).ToArray())
                {
                    var child = obj[key];
                    if (TransformNode(ref child, map))
                    {
                        obj[key] = child;
                        changedObject = true;
                    }
                }

                return changedObject;
            case JsonArray array:
                var changedArray = false;
                for (var i = 0; i < array.Count; i++)
                {
                    var child = array[i];
                    if (TransformNode(ref child, map))
                    {
                        array[i] = child;
                        changedArray = true;
                    }
                }

                return changedArray;
            case JsonValue v:
                var raw = v.GetValueKind() switch
                {
                    JsonValueKind.String => v.GetValue<string>(),
                    JsonValueKind.Number => v.ToJsonString(),
                    _ => null,
                };
                if (raw is null)
                {
                    return false;
                }

                var mapped = map(raw);
                if (Same(mapped, raw))
                {
                    return false;
                }

                node = JsonValue.Create(mapped);
                return true;
            default:
                return false;
        }
    }
}

/// <summary>
/// Puts placeholders back in streamed text: a placeholder may be split across updates, so only a possible placeholder
/// start at the end of an update's text is held back (and prepended to the next text); everything else flows through.
/// </summary>
internal sealed class StreamRestorer(EgressRedactor redactor)
{
    private string _pending = string.Empty;

    /// <summary>Text held back at the end of the last update, to be sent at the end of the stream if nothing completes it.</summary>
    public string Pending => _pending;

    /// <summary>Restores one update's parts in place.</summary>
    public void Apply(IList<AIContent> contents)
    {
        for (var i = 0; i < contents.Count; i++)
        {
            if (contents[i] is TextContent t)
            {
                // A copy, never the provider's part changed in place (see EgressRedactor.Restore).
                var text = Next(t.Text);
                if (!string.Equals(text, t.Text, StringComparison.Ordinal))
                {
                    contents[i] = new TextContent(text) { AdditionalProperties = t.AdditionalProperties, Annotations = t.Annotations };
                }
            }
        }

        redactor.RestoreContents(contents, texts: false);
    }

    /// <summary>The restored text to deliver now for the next piece of streamed text.</summary>
    public string Next(string piece)
    {
        var text = _pending.Length == 0 ? piece : _pending + piece;
        var hold = redactor.PendingStart(text);
        if (hold < 0)
        {
            _pending = string.Empty;
            return redactor.Restore(text);
        }

        _pending = text[hold..];
        return redactor.Restore(text[..hold]);
    }

    /// <summary>Whatever is still held back at the end of the stream (it did not complete a placeholder).</summary>
    public string Flush()
    {
        var rest = _pending;
        _pending = string.Empty;
        return redactor.Restore(rest);
    }
}
