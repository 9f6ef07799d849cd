using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Routing;

/// <summary>
/// One AI call a product wants to make on behalf of a workspace. The router decides where, if anywhere, it may go.
/// </summary>
public sealed record AiRequest
{
    /// <summary>The workspace whose data this is.</summary>
    public required string WorkspaceId { get; init; }

    /// <summary>The product making the call.</summary>
    public required AiProduct Product { get; init; }

    /// <summary>The declared purpose; some purposes are refused under the EU AI Act.</summary>
    public required Purpose Purpose { get; init; }

    /// <summary>The Input. Its type sets the capability needed.</summary>
    public required AiPayload Payload { get; init; }

    /// <summary>The capability needed, taken from <see cref="Payload"/>.</summary>
    public Capability Capability => Payload.Capability;

    /// <summary>
    /// The knowledge sources whose content is part of the Input. Each must be allowed for <see cref="Product"/>
    /// by the workspace, or the request is refused before anything is sent.
    /// </summary>
    public IReadOnlyList<KnowledgeSource> KnowledgeSources { get; init; } = [];

    /// <summary>
    /// Names of the conversation's participants, when known. They are personal data: never logged or audited,
    /// used only to remove them before training.
    /// </summary>
    public IReadOnlyList<string> ParticipantNames { get; init; } = [];

    /// <summary>A caller-chosen id that ties the audit record to the caller's own logs. Must not contain personal data.</summary>
    public string? CorrelationId { get; init; }
}
