using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Vertex;

/// <summary>
/// An <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> for a Vertex AI text embedding model (such as
/// <c>text-embedding-005</c>): <c>:predict</c> with one instance per input (<c>{"content": ...}</c>) and, when asked,
/// <c>parameters.outputDimensionality</c>; each prediction's <c>embeddings.values</c> is one embedding, and the token counts of
/// <c>embeddings.statistics.token_count</c> are summed into the usage.
/// </summary>
internal sealed class VertexEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly VertexEndpoint _endpoint;
    private readonly VertexHttp _http;
    private readonly EmbeddingGeneratorMetadata _metadata;

    public VertexEmbeddingGenerator(VertexEndpoint endpoint, VertexHttp http, string model)
    {
        _endpoint = endpoint;
        _http = http;
        _metadata = new EmbeddingGeneratorMetadata("gcp.vertex_ai", endpoint.ModelUri, model);
    }

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var inputs = values.ToList();
        var body = new JsonObject
        {
            ["instances"] = new JsonArray(inputs.Select(v => (JsonNode?)new JsonObject { ["content"] = v }).ToArray()),
        };
        if (options?.Dimensions is { } dimensions)
        {
            body["parameters"] = new JsonObject { ["outputDimensionality"] = dimensions };
        }

        using var response = await _http.PostAsync(_endpoint.Method("predict"), body, stream: false, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var result = new GeneratedEmbeddings<Embedding<float>>();
        long tokens = 0;
        try
        {
            using var json = JsonDocument.Parse(text);
            var predictions = json.RootElement.GetProperty("predictions");
            foreach (var prediction in predictions.EnumerateArray())
            {
                var embeddings = prediction.GetProperty("embeddings");
                var vector = embeddings.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray();
                if (embeddings.TryGetProperty("statistics", out var stats) && stats.TryGetProperty("token_count", out var count) && count.TryGetInt64(out var n))
                {
                    tokens += n;
                }

                result.Add(new Embedding<float>(vector) { ModelId = _metadata.DefaultModelId });
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException("Vertex AI answered with a body that is not a predict response of embeddings.");
        }

        if (result.Count != inputs.Count)
        {
            throw new InvalidDataException($"Vertex AI returned {result.Count} embeddings for {inputs.Count} inputs.");
        }

        result.Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens };
        return result;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        // The HttpClient belongs to IHttpClientFactory.
    }
}
