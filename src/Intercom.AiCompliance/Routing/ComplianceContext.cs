using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Routing;

/// <summary>
/// Who is asking and why, for the M.E.AI views of the router (<see cref="ProviderRouterClientExtensions"/>): every call
/// made through a view is routed for this workspace, product, purpose and these knowledge sources.
/// </summary>
public sealed record ComplianceContext
{
    /// <summary>The workspace whose data the calls carry.</summary>
    public required string WorkspaceId { get; init; }

    /// <summary>The product making the calls.</summary>
    public required AiProduct Product { get; init; }

    /// <summary>The declared purpose; some purposes are refused under the EU AI Act.</summary>
    public required Purpose Purpose { get; init; }

    /// <summary>The knowledge sources whose content is part of the Input; each must be allowed for the product.</summary>
    public IReadOnlyList<KnowledgeSource> KnowledgeSources { get; init; } = [];

    /// <summary>Names of the conversation's participants, used only to remove them before training; never logged or audited.</summary>
    public IReadOnlyList<string> ParticipantNames { get; init; } = [];

    /// <summary>A caller-chosen id tying the audit records to the caller's logs. Must not contain personal data.</summary>
    public string? CorrelationId { get; init; }

    internal AiRequest Request(AiPayload payload) => new()
    {
        WorkspaceId = WorkspaceId,
        Product = Product,
        Purpose = Purpose,
        Payload = payload,
        KnowledgeSources = KnowledgeSources,
        ParticipantNames = ParticipantNames,
        CorrelationId = CorrelationId,
    };
}
