using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Workspaces;

/// <summary>
/// Which capabilities each product uses, for the subprocessor disclosure. One product may mix models for generation,
/// retrieval, reranking and speech (see docs/compliance-model.md); this map is the package's reading of which.
/// </summary>
public static class ProductCapabilities
{
    private static readonly Dictionary<AiProduct, Capability[]> Map = new()
    {
        [AiProduct.FinAiAgent] = [Capability.Chat, Capability.Embeddings, Capability.Reranking],
        [AiProduct.FinSalesAgent] = [Capability.Chat, Capability.Embeddings, Capability.Reranking],
        [AiProduct.Copilot] = [Capability.Chat, Capability.Embeddings, Capability.Reranking],
        [AiProduct.Inbox] = [Capability.Chat],
        [AiProduct.Phone] = [Capability.Transcription, Capability.Chat],
        [AiProduct.FinVoice] = [Capability.SpeechSynthesis, Capability.Transcription, Capability.Chat],
        [AiProduct.CxScore] = [Capability.Chat],
    };

    /// <summary>The capabilities <paramref name="product"/> uses; empty for an unknown product.</summary>
    public static IReadOnlyList<Capability> For(AiProduct product) => Map.GetValueOrDefault(product) ?? [];

    /// <summary>Every known product, in declaration order.</summary>
    public static IReadOnlyList<AiProduct> Products { get; } = Map.Keys.ToArray();
}
