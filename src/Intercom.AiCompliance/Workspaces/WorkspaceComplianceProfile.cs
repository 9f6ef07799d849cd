using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Workspaces;

/// <summary>
/// Everything the router needs to know about a workspace to decide where its data may go.
/// </summary>
/// <remarks>Defaults are the strict ones: no knowledge source is allowed for a product unless listed, and no purpose is cleared.</remarks>
public sealed record WorkspaceComplianceProfile
{
    /// <summary>The workspace's id. Never written to logs or metrics; the audit trail records it because it must.</summary>
    public string WorkspaceId { get; init; } = string.Empty;

    /// <summary>
    /// Where the workspace is hosted: <see cref="Region.US"/> (the platform's default hosting, no residency promise),
    /// <see cref="Region.EU"/> or <see cref="Region.AU"/>. Must be stated: left unset it is unknown, and an unknown
    /// hosting region admits no deployment (and opts the workspace out of training).
    /// </summary>
    public Region HostingRegion { get; init; }

    /// <summary>For a US-hosted workspace: keep processing in the US too (a residency promise the default hosting does not make).</summary>
    public bool PinnedToUsProcessing { get; init; }

    /// <summary>The workspace handles health data under HIPAA: only deployments with a BAA in force may be used.</summary>
    public bool HandlesHealthData { get; init; }

    /// <summary>
    /// The customer's contract type. Must be stated: left unset it is <see cref="ContractType.Unknown"/>, which takes the
    /// strictest default for every promise (opted out of training).
    /// </summary>
    public ContractType ContractType { get; init; }

    /// <summary>Which knowledge sources each product may send as Input. A product not listed may use none.</summary>
    public IReadOnlyDictionary<AiProduct, IReadOnlyList<KnowledgeSource>> AllowedKnowledgeSources { get; init; } =
        new Dictionary<AiProduct, IReadOnlyList<KnowledgeSource>>();

    /// <summary>Recorded clearances for purposes that are otherwise refused.</summary>
    public IReadOnlyList<PurposeClearance> PurposeClearances { get; init; } = [];

    /// <summary>The workspace's own references, removed before training.</summary>
    public CustomerReferences CustomerReferences { get; init; } = new();

    /// <summary>
    /// Egress redaction for the workspace's requests: <see cref="RedactionPolicy.Off"/> (the default: the Input is sent as
    /// given), <see cref="RedactionPolicy.Redact"/> or <see cref="RedactionPolicy.RedactAndRestore"/>.
    /// </summary>
    public RedactionPolicy EgressRedaction { get; init; }

    /// <summary>Per-product overrides of <see cref="EgressRedaction"/>; a product not listed takes the workspace's policy.</summary>
    public IReadOnlyDictionary<AiProduct, RedactionPolicy> ProductEgressRedaction { get; init; } =
        new Dictionary<AiProduct, RedactionPolicy>();

    /// <summary>The egress redaction policy for a request of <paramref name="product"/>.</summary>
    public RedactionPolicy RedactionFor(AiProduct product) =>
        ProductEgressRedaction.TryGetValue(product, out var policy) ? policy : EgressRedaction;

    /// <summary>The policy class this profile puts a request for <paramref name="capability"/> into.</summary>
    public PolicyClass PolicyClassFor(Capability capability) =>
        new(HostingRegion, PinnedToUsProcessing, HandlesHealthData, capability);

    /// <summary>Whether <paramref name="product"/> may use <paramref name="source"/>.</summary>
    public bool Allows(AiProduct product, KnowledgeSource source)
    {
        if (!AllowedKnowledgeSources.TryGetValue(product, out var allowed))
        {
            return false;
        }

        for (var i = 0; i < allowed.Count; i++)
        {
            if (allowed[i] == source)
            {
                return true;
            }
        }

        return false;
    }
}
