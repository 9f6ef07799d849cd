using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Bedrock;

/// <summary>
/// Embeddings through Bedrock Runtime's InvokeModel (<c>POST /model/{modelId}/invoke</c>) with the native body of the
/// model family: Amazon Titan text embeddings (<c>{"inputText"}</c>, one call per value, <c>dimensions</c> from the
/// options) or Cohere Embed (<c>{"texts", "input_type"}</c>, one call for all values).
/// </summary>
internal sealed class BedrockEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly BedrockTransport _transport;
    private readonly EmbeddingModelFamily _family;
    private readonly EmbeddingGeneratorMetadata _metadata;

    public BedrockEmbeddingGenerator(BedrockTransport transport, string deploymentId)
    {
        _transport = transport;
        _family = FamilyOf(transport.Endpoint.ModelId)
            ?? throw new InvalidOperationException(
                $"Bedrock deployment '{deploymentId}' declares embeddings, but its model is neither an Amazon Titan text embedding model (amazon.titan-embed-text-*) nor a Cohere Embed model (cohere.embed-*).");
        _metadata = new EmbeddingGeneratorMetadata("aws.bedrock", transport.Endpoint.BaseAddress, transport.Endpoint.ModelId);
    }

    internal enum EmbeddingModelFamily
    {
        Titan,
        Cohere,
    }

    /// <summary>The family of an embedding model id, an inference-profile prefix or ARN left aside.</summary>
    internal static EmbeddingModelFamily? FamilyOf(string modelId)
    {
        var bare = modelId[(modelId.LastIndexOf('/') + 1)..];
        foreach (var prefix in BedrockInferenceProfile.GeographyPrefixes)
        {
            if (bare.StartsWith(prefix + ".", StringComparison.OrdinalIgnoreCase))
            {
                bare = bare[(prefix.Length + 1)..];
                break;
            }
        }

        return bare.StartsWith("amazon.titan-embed", StringComparison.OrdinalIgnoreCase) ? EmbeddingModelFamily.Titan
            : bare.StartsWith("cohere.embed", StringComparison.OrdinalIgnoreCase) ? EmbeddingModelFamily.Cohere
            : null;
    }

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var inputs = values.ToList();
        var result = new GeneratedEmbeddings<Embedding<float>>();
        if (_family == EmbeddingModelFamily.Cohere)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["texts"] = inputs,
                ["input_type"] = options?.AdditionalProperties?.TryGetValue("input_type", out var t) == true && t is string s ? s : _transport.Options.CohereInputType,
            });
            using var root = await InvokeAsync(body, cancellationToken).ConfigureAwait(false);
            try
            {
                var embeddings = root.RootElement.GetProperty("embeddings");
                if (embeddings.ValueKind == JsonValueKind.Object)
                {
                    embeddings = embeddings.GetProperty("float");
                }

                foreach (var vector in embeddings.EnumerateArray())
                {
                    result.Add(Embedding(vector));
                }
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw BedrockErrors.Malformed("the Cohere body lacks its embeddings");
            }

            if (result.Count != inputs.Count)
            {
                throw BedrockErrors.Malformed("the Cohere body has a different number of embeddings than inputs");
            }

            return result;
        }

        long tokens = 0;
        foreach (var input in inputs)
        {
            var request = new Dictionary<string, object> { ["inputText"] = input };
            if (options?.Dimensions is { } dimensions)
            {
                request["dimensions"] = dimensions;
            }

            using var root = await InvokeAsync(JsonSerializer.SerializeToUtf8Bytes(request), cancellationToken).ConfigureAwait(false);
            try
            {
                result.Add(Embedding(root.RootElement.GetProperty("embedding")));
                if (root.RootElement.TryGetProperty("inputTextTokenCount", out var count) && count.TryGetInt64(out var n))
                {
                    tokens += n;
                }
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw BedrockErrors.Malformed("the Titan body lacks its embedding");
            }
        }

        result.Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens };
        return result;
    }

    private Embedding<float> Embedding(JsonElement vector)
    {
        var floats = new float[vector.GetArrayLength()];
        var i = 0;
        foreach (var v in vector.EnumerateArray())
        {
            floats[i++] = v.GetSingle();
        }

        return new Embedding<float>(floats) { ModelId = _transport.Endpoint.ModelId };
    }

    private async Task<JsonDocument> InvokeAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var response = await _transport.PostAsync("invoke", body, "application/json", cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (JsonException)
        {
            throw BedrockErrors.Malformed("the InvokeModel body is not JSON");
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
