using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Demo;

/// <summary>One kind of call the platform makes for a workspace.</summary>
internal sealed record Scenario(string WorkspaceId, AiProduct Product, Purpose Purpose, AiPayload Payload, KnowledgeSource[] Sources, string Label)
{
    public AiRequest ToRequest(int n) => new()
    {
        WorkspaceId = WorkspaceId,
        Product = Product,
        Purpose = Purpose,
        Payload = Payload,
        KnowledgeSources = Sources,
        CorrelationId = $"demo-{n:0000}",
    };
}

internal static class Scenarios
{
    private static readonly ChatPayload Question = new([
        new ChatMessage(ChatRole.System, "Answer from the help centre articles provided."),
        new ChatMessage(ChatRole.User, "How do I reset my password?"),
    ]);

    private static readonly ChatPayload Draft = new([new ChatMessage(ChatRole.User, "Draft a reply to this conversation about a late delivery.")]);
    private static readonly ChatPayload Score = new([new ChatMessage(ChatRole.User, "Rate the overall customer experience of this conversation.")]);
    private static readonly SpeechSynthesisPayload Speech = new("Your password reset link is on its way.");
    private static readonly TranscriptionPayload Call = new(new byte[16_000]);
    private static readonly EmbeddingPayload Embed = new(["How do I reset my password?"]);
    private static readonly RerankPayload Rerank = new("reset password", ["Resetting your password", "Billing FAQ", "Password policy"]);

    public static IReadOnlyList<Scenario> All { get; } = Build();

    private static List<Scenario> Build()
    {
        var list = new List<Scenario>();
        foreach (var ws in new[] { "acme-us", "berlin-eu", "sydney-au", "clinic-us", "trial-us" })
        {
            list.Add(new(ws, AiProduct.FinAiAgent, Purpose.AnsweringEndUser, Question, [KnowledgeSource.Articles], "Fin answers"));
            list.Add(new(ws, AiProduct.FinAiAgent, Purpose.RetrievingKnowledge, Embed, [KnowledgeSource.Articles], "Fin retrieval"));
            list.Add(new(ws, AiProduct.FinAiAgent, Purpose.RetrievingKnowledge, Rerank, [KnowledgeSource.Articles], "Fin rerank"));
            if (ws != "trial-us")
            {
                list.Add(new(ws, AiProduct.Copilot, Purpose.AssistingTeammate, Draft, [KnowledgeSource.Articles], "Copilot draft"));
                list.Add(new(ws, AiProduct.FinVoice, Purpose.AnsweringEndUser, Speech, [KnowledgeSource.Articles], "Fin Voice speech"));
                list.Add(new(ws, AiProduct.Phone, Purpose.TranscribingCall, Call, [], "Phone transcript"));
                list.Add(new(ws, AiProduct.CxScore, Purpose.ScoringConversationQuality, Score, [], "CX Score"));
            }
        }

        // Requests that must be refused whatever the providers' health.
        list.Add(new("acme-us", AiProduct.CxScore, Purpose.EvaluatingIndividualWorker, Score, [], "CX Score on one teammate"));
        list.Add(new("acme-us", AiProduct.CxScore, Purpose.RecognisingEmotionAtWork, Score, [], "Emotion of a teammate"));
        list.Add(new("berlin-eu", AiProduct.FinAiAgent, Purpose.AnsweringEndUser, Question, [KnowledgeSource.Tickets], "Fin with tickets"));
        list.Add(new("trial-us", AiProduct.Copilot, Purpose.AssistingTeammate, Draft, [KnowledgeSource.Conversations], "Copilot, no sources set"));
        return list;
    }
}
