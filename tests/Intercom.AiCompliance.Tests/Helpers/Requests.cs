using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>Requests and profiles for tests.</summary>
public static class Requests
{
    public static AiPayload PayloadFor(Capability capability, string text = "How do I reset my password?") => capability switch
    {
        Capability.Chat => new ChatPayload([new ChatMessage(ChatRole.User, text)]),
        Capability.SpeechSynthesis => new SpeechSynthesisPayload(text),
        Capability.Transcription => new TranscriptionPayload(new byte[] { 1, 2, 3, 4 }),
        Capability.Embeddings => new EmbeddingPayload([text]),
        Capability.Reranking => new RerankPayload(text, ["a", "b"]),
        _ => throw new ArgumentOutOfRangeException(nameof(capability)),
    };

    public static AiRequest Make(
        string workspaceId = "ws-1",
        Capability capability = Capability.Chat,
        AiProduct product = AiProduct.FinAiAgent,
        Purpose purpose = Purpose.AnsweringEndUser,
        KnowledgeSource[]? sources = null,
        string text = "How do I reset my password?") =>
        new()
        {
            WorkspaceId = workspaceId,
            Product = product,
            Purpose = purpose,
            Payload = PayloadFor(capability, text),
            KnowledgeSources = sources ?? [],
        };

    public static WorkspaceComplianceProfile Profile(
        string workspaceId = "ws-1",
        Region? region = null,
        bool hipaa = false,
        bool usPinned = false,
        ContractType contract = ContractType.Standard) =>
        new()
        {
            WorkspaceId = workspaceId,
            HostingRegion = region ?? Region.US,
            HandlesHealthData = hipaa,
            PinnedToUsProcessing = usPinned,
            ContractType = contract,
            AllowedKnowledgeSources = new Dictionary<AiProduct, IReadOnlyList<KnowledgeSource>>
            {
                [AiProduct.FinAiAgent] = [KnowledgeSource.Articles, KnowledgeSource.Snippets],
                [AiProduct.Copilot] = [KnowledgeSource.Articles, KnowledgeSource.Conversations, KnowledgeSource.Tickets],
            },
        };
}
