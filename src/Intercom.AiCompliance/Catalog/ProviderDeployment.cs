namespace Intercom.AiCompliance.Catalog;

/// <summary>
/// One model at one provider endpoint, with every region where it may process data and the contracts that cover it.
/// </summary>
/// <remarks>
/// Deployments are configuration, not code: the host's catalogue lists them and <see cref="ProviderCatalog"/>
/// validates them before any request is planned. Anything missing here (a region, a contract, a list) excludes
/// the deployment rather than being guessed.
/// </remarks>
public sealed record ProviderDeployment
{
    /// <summary>A stable, unique id such as <c>bedrock-claude-eu-central-1</c>; appears in plans, audit records and metrics.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>Which provider serves the deployment; selects the adapter.</summary>
    public ProviderKind Provider { get; init; }

    /// <summary>The subprocessor's legal name as published on the subprocessor list, such as <c>Amazon Web Services, Inc.</c>.</summary>
    public string? Subprocessor { get; init; }

    /// <summary>The model the provider runs, such as <c>claude-sonnet-4</c>.</summary>
    public string Model { get; init; } = string.Empty;

    /// <summary>What the deployment can do.</summary>
    public IReadOnlyList<Capability> Capabilities { get; init; } = [];

    /// <summary>
    /// Every region where the deployment may process Input, including any region the provider may re-route to.
    /// An empty list means unknown, which excludes the deployment from every workspace.
    /// </summary>
    public IReadOnlyList<Region> ProcessingRegions { get; init; } = [];

    /// <summary>The base address the adapter calls, such as <c>https://bedrock-runtime.eu-central-1.amazonaws.com</c>.</summary>
    public string Endpoint { get; init; } = string.Empty;

    /// <summary>
    /// The provider's deployment type, which bounds where it may process (Azure OpenAI: Standard, DataZone or Global);
    /// required for <see cref="ProviderKind.AzureOpenAI"/> deployments, <see cref="Catalog.DeploymentType.Unknown"/> otherwise.
    /// </summary>
    public DeploymentType DeploymentType { get; init; }

    /// <summary>The published subprocessor lists the deployment is on (see <see cref="SubprocessorLists"/>).</summary>
    public IReadOnlyList<string> SubprocessorLists { get; init; } = [];

    /// <summary>The dated contracts behind each promise: zero data retention, no training, BAA.</summary>
    public IReadOnlyList<Attestation> Attestations { get; init; } = [];

    /// <summary>Quality priors used to order candidates; see <see cref="QualityPriors"/>.</summary>
    public QualityPriors Quality { get; init; } = new();

    /// <summary>Whether the deployment is on the named subprocessor list (case-insensitive).</summary>
    public bool IsOnList(string list)
    {
        foreach (var l in SubprocessorLists)
        {
            if (string.Equals(l, list, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the deployment supports the capability.</summary>
    public bool Supports(Capability capability)
    {
        foreach (var c in Capabilities)
        {
            if (c == capability)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The attestation of <paramref name="kind"/> in force at <paramref name="now"/>, if any.</summary>
    public Attestation? AttestationInForce(AttestationKind kind, DateTimeOffset now)
    {
        foreach (var a in Attestations)
        {
            if (a.Kind == kind && a.IsInForceAt(now))
            {
                return a;
            }
        }

        return null;
    }
}
