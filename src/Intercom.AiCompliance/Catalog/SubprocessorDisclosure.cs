using System.Globalization;
using System.Text;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Catalog;

/// <summary>
/// Generates, from the same catalogue and rules the router uses, the subprocessor disclosure a customer reads: for each
/// hosting region and product, which providers may process data, where, and under which contracts.
/// </summary>
public static class SubprocessorDisclosure
{
    /// <summary>Writes the disclosure as Markdown.</summary>
    /// <param name="planner">The planner (catalogue and rules) to disclose.</param>
    /// <param name="at">The instant the disclosure describes; contracts are judged at that instant.</param>
    /// <param name="regions">Hosting regions to cover; default US, EU and AU.</param>
    /// <param name="products">Products to cover; default all.</param>
    public static string ToMarkdown(RoutingPlanner planner, DateTimeOffset at, IEnumerable<Region>? regions = null, IEnumerable<AiProduct>? products = null)
    {
        ArgumentNullException.ThrowIfNull(planner);
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("# AI subprocessor disclosure").AppendLine();
        sb.Append(inv, $"Generated from the routing catalogue as of {at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", inv)} ")
          .Append(inv, $"(catalogue fingerprint `{planner.Catalog.Fingerprint[..16]}`). ");
        var confirmed = planner.Catalog.Deployments.Any(d =>
            d.AttestationInForce(AttestationKind.ZeroDataRetention, at) is not null && d.AttestationInForce(AttestationKind.NoTraining, at) is not null);
        if (confirmed)
        {
            sb.AppendLine("Every provider listed here is bound by zero data retention and a ban on training with your data; a provider without those contracts in force is never used.");
        }
        else
        {
            sb.AppendLine("**Nothing is confirmed.** No deployment in this catalogue has a zero-data-retention and a no-training contract in force at this date, "
                + "so no provider may receive data and every request is refused. The host records the references of its signed contracts "
                + "(AiCompliance:Catalog:Attestations) before any provider is used.");
        }

        sb.AppendLine();

        foreach (var region in regions ?? [Region.US, Region.EU, Region.AU])
        {
            sb.Append(inv, $"## {RegionTitle(region)}").AppendLine().AppendLine();
            foreach (var product in products ?? ProductCapabilities.Products)
            {
                sb.Append(inv, $"### {ProductTitle(product)}").AppendLine().AppendLine();
                sb.AppendLine("| Task | Subprocessor | Deployment | Processes data in | Contracts (reference, in force until) | HIPAA BAA |");
                sb.AppendLine("|---|---|---|---|---|---|");
                foreach (var capability in ProductCapabilities.For(product))
                {
                    var plan = planner.PlanFor(new PolicyClass(region, false, false, capability), at);
                    if (plan.Candidates.Count == 0)
                    {
                        var why = plan.Rejections.Any(r => r.Deployment.Supports(capability) && !r.Violations.Any(v => v.Rule is "residency" or "capability"))
                            ? "no contract confirmed for this hosting"
                            : "not available for this hosting";
                        sb.Append(inv, $"| {CapabilityTitle(capability)} | _none: {why}_ | | | | |").AppendLine();
                        continue;
                    }

                    foreach (var d in plan.Candidates)
                    {
                        var contracts = string.Join("; ", new[] { AttestationKind.ZeroDataRetention, AttestationKind.NoTraining }
                            .Select(k => d.AttestationInForce(k, at) is { } a ? $"{Short(k)}: {a.Reference}{Until(a)}" : $"{Short(k)}: none"));
                        var baa = d.AttestationInForce(AttestationKind.BusinessAssociateAgreement, at) is { } b ? $"{b.Reference}{Until(b)}" : "no";
                        sb.Append(inv, $"| {CapabilityTitle(capability)} | {Cell(d.Subprocessor ?? d.Provider.ToString())} | {Cell(d.Id)} | {string.Join(", ", d.ProcessingRegions)} | {Cell(contracts)} | {Cell(baa)} |").AppendLine();
                    }
                }

                sb.AppendLine();
            }
        }

        return sb.ToString();
    }

    private static string Until(Attestation a) =>
        a.ExpiresAt is { } e ? $" (until {e.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)})" : "";

    private static string Short(AttestationKind k) => k == AttestationKind.ZeroDataRetention ? "ZDR" : "No training";

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);

    private static string RegionTitle(Region r) =>
        r == Region.US ? "US hosting (default)" : r == Region.EU ? "EU regional hosting" : r == Region.AU ? "AU regional hosting" : $"{r} regional hosting";

    private static string ProductTitle(AiProduct p) => p switch
    {
        AiProduct.FinAiAgent => "Fin AI Agent",
        AiProduct.FinSalesAgent => "Fin Sales Agent",
        AiProduct.Copilot => "Copilot",
        AiProduct.Inbox => "AI in the Inbox",
        AiProduct.Phone => "Phone (transcripts)",
        AiProduct.FinVoice => "Fin Voice",
        AiProduct.CxScore => "CX Score",
        _ => p.ToString(),
    };

    private static string CapabilityTitle(Capability c) => c switch
    {
        Capability.Chat => "Text generation",
        Capability.SpeechSynthesis => "Text to speech",
        Capability.Transcription => "Speech to text",
        Capability.Embeddings => "Retrieval (embeddings)",
        Capability.Reranking => "Reranking",
        _ => c.ToString(),
    };
}
