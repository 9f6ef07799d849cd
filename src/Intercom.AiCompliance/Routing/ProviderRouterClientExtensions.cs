using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Routing;

/// <summary>
/// Microsoft.Extensions.AI views of the router, so code written against <see cref="IChatClient"/>,
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>, <see cref="ISpeechToTextClient"/> or
/// <see cref="ITextToSpeechClient"/> gets compliance routing without change. Compose middleware around a view as
/// usual (for a chat view: <c>view.AsBuilder().UseFunctionInvocation().UseOpenTelemetry().Build()</c>).
/// </summary>
/// <remarks>
/// Everything the caller sets passes through to the chosen deployment's client: messages of every content type, tools
/// and tool mode, response format, stop sequences, temperature, top-p, max output tokens, seed and additional
/// properties. The caller's <c>ModelId</c> never chooses the deployment: the plan does, and the deployment's own model
/// id replaces it. The answer comes back as the deployment's client returned it (usage, finish reason, response id),
/// with the serving deployment, client and audit event id added to its <c>AdditionalProperties</c>
/// (<see cref="DeploymentProperty"/>, <see cref="ClientProperty"/>, <see cref="AuditEventProperty"/>). Refusals and
/// failures are the router's typed exceptions.
/// </remarks>
public static class ProviderRouterClientExtensions
{
    /// <summary>The key, in a response's <c>AdditionalProperties</c>, of the id of the deployment that served it.</summary>
    public const string DeploymentProperty = "aicompliance.deployment";

    /// <summary>The key of the type name of the client that served it.</summary>
    public const string ClientProperty = "aicompliance.client";

    /// <summary>The key of the audit record's event id.</summary>
    public const string AuditEventProperty = "aicompliance.audit_event_id";

    /// <summary>A chat client that routes every call for <paramref name="context"/>.</summary>
    public static IChatClient AsChatClient(this IProviderRouter router, ComplianceContext context)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(context);
        return new RouterChatClient(router, context);
    }

    /// <summary>An embedding generator that routes every call for <paramref name="context"/>.</summary>
    public static IEmbeddingGenerator<string, Embedding<float>> AsEmbeddingGenerator(this IProviderRouter router, ComplianceContext context)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(context);
        return new RouterEmbeddingGenerator(router, context);
    }

    /// <summary>A speech-to-text client that routes every call for <paramref name="context"/>.</summary>
    public static ISpeechToTextClient AsSpeechToTextClient(this IProviderRouter router, ComplianceContext context)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(context);
        return new RouterSpeechToTextClient(router, context);
    }

    /// <summary>A text-to-speech client that routes every call for <paramref name="context"/>.</summary>
    public static ITextToSpeechClient AsTextToSpeechClient(this IProviderRouter router, ComplianceContext context)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(context);
        return new RouterTextToSpeechClient(router, context);
    }

    private static void Stamp(AdditionalPropertiesDictionary? properties, Action<AdditionalPropertiesDictionary> set, AiResponse response)
    {
        var p = properties ?? [];
        p[DeploymentProperty] = response.ServedBy.Id;
        p[ClientProperty] = response.ServedByClient;
        p[AuditEventProperty] = response.AuditEventId;
        if (properties is null)
        {
            set(p);
        }
    }

    /// <summary>The view itself, the router, the metadata, or the view's <see cref="ComplianceContext"/> (for middleware that keys on it).</summary>
    private static object? Service(object self, IProviderRouter router, Type serviceType, object? serviceKey, object metadata, ComplianceContext context)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType.IsInstanceOfType(self) ? self
            : serviceType.IsInstanceOfType(router) ? router
            : serviceType.IsInstanceOfType(metadata) ? metadata
            : serviceType == typeof(ComplianceContext) ? context
            : null;
    }

    private sealed class RouterChatClient(IProviderRouter router, ComplianceContext context) : IChatClient
    {
        private static readonly ChatClientMetadata Metadata = new("aicompliance");

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(messages);
            var response = await router.SendAsync(context.Request(new ChatPayload(messages.ToArray(), options)), cancellationToken).ConfigureAwait(false);
            var chat = ((ChatOutput)response.Output).Response;
            Stamp(chat.AdditionalProperties, p => chat.AdditionalProperties = p, response);
            return chat;
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(messages);
            return router.SendStreamingAsync(context.Request(new ChatPayload(messages.ToArray(), options)), cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => Service(this, router, serviceType, serviceKey, Metadata, context);

        public void Dispose()
        {
            // The router belongs to the host, not to this view.
        }
    }

    private sealed class RouterEmbeddingGenerator(IProviderRouter router, ComplianceContext context) : IEmbeddingGenerator<string, Embedding<float>>
    {
        private static readonly EmbeddingGeneratorMetadata Metadata = new("aicompliance");

        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(values);
            var response = await router.SendAsync(context.Request(new EmbeddingPayload(values as IReadOnlyList<string> ?? values.ToList())), cancellationToken).ConfigureAwait(false);
            var output = (EmbeddingOutput)response.Output;
            var result = new GeneratedEmbeddings<Embedding<float>>(output.Vectors.Select(v => new Embedding<float>(v) { ModelId = response.ServedBy.Model }))
            {
                Usage = output.Usage,
            };
            Stamp(result.AdditionalProperties, p => result.AdditionalProperties = p, response);
            return result;
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => Service(this, router, serviceType, serviceKey, Metadata, context);

        public void Dispose()
        {
        }
    }

    private sealed class RouterSpeechToTextClient(IProviderRouter router, ComplianceContext context) : ISpeechToTextClient
    {
        private static string MediaTypeOf(SpeechToTextOptions? options) =>
            options?.AdditionalProperties?.TryGetValue("media_type", out var m) == true && m is string s ? s : "audio/wav";

        private static readonly SpeechToTextClientMetadata Metadata = new("aicompliance");

        public async Task<SpeechToTextResponse> GetTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(audioSpeechStream);
            using var buffer = new MemoryStream();
            await audioSpeechStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            var response = await router.SendAsync(context.Request(new TranscriptionPayload(buffer.ToArray(), MediaTypeOf(options))), cancellationToken).ConfigureAwait(false);
            var output = (TranscriptOutput)response.Output;
            var result = new SpeechToTextResponse(output.Text) { ModelId = response.ServedBy.Model, Usage = output.Usage };
            Stamp(result.AdditionalProperties, p => result.AdditionalProperties = p, response);
            return result;
        }

        public async IAsyncEnumerable<SpeechToTextResponseUpdate> GetStreamingTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            // The audio is read first (the plan and the size rules need all of it), then the deployment's client streams.
            ArgumentNullException.ThrowIfNull(audioSpeechStream);
            using var buffer = new MemoryStream();
            await audioSpeechStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            var request = context.Request(new TranscriptionPayload(buffer.ToArray(), MediaTypeOf(options)));
            await foreach (var update in router.SendStreamingTranscriptionAsync(request, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => Service(this, router, serviceType, serviceKey, Metadata, context);

        public void Dispose()
        {
        }
    }

    private sealed class RouterTextToSpeechClient(IProviderRouter router, ComplianceContext context) : ITextToSpeechClient
    {
        private static readonly TextToSpeechClientMetadata Metadata = new("aicompliance");

        public async Task<TextToSpeechResponse> GetAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(text);
            var response = await router.SendAsync(context.Request(new SpeechSynthesisPayload(text, options?.VoiceId)), cancellationToken).ConfigureAwait(false);
            var output = (SpeechOutput)response.Output;
            var result = new TextToSpeechResponse([new DataContent(output.Audio, output.MediaType)]) { ModelId = response.ServedBy.Model, Usage = output.Usage };
            Stamp(result.AdditionalProperties, p => result.AdditionalProperties = p, response);
            return result;
        }

        public IAsyncEnumerable<TextToSpeechResponseUpdate> GetStreamingAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(text);
            return router.SendStreamingSpeechAsync(context.Request(new SpeechSynthesisPayload(text, options?.VoiceId)), cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => Service(this, router, serviceType, serviceKey, Metadata, context);

        public void Dispose()
        {
        }
    }
}
