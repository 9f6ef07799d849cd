namespace Intercom.AiCompliance.Catalog;

/// <summary>Checks a catalogue before any request is planned against it.</summary>
public static class CatalogValidator
{
    private static readonly char[] HostSeparators = ['.', '-'];

    /// <summary>Returns every error in <paramref name="deployments"/>; an empty list means the catalogue is valid.</summary>
    public static IReadOnlyList<CatalogValidationError> Validate(
        IReadOnlyList<ProviderDeployment?> deployments, CatalogValidationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(deployments);
        options ??= new CatalogValidationOptions();
        var errors = new List<CatalogValidationError>();
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

        for (var i = 0; i < deployments.Count; i++)
        {
            var d = deployments[i];
            if (d is null)
            {
                errors.Add(new($"#{i}", "", "the entry is empty: remove it or describe the deployment.", i));
                continue;
            }

            var name = string.IsNullOrWhiteSpace(d.Id) ? $"#{i}" : d.Id;
            void Error(string field, string message) => errors.Add(new(name, field, message, i));

            if (string.IsNullOrWhiteSpace(d.Id))
            {
                Error(nameof(d.Id), "is missing: give every deployment a unique id such as 'bedrock-claude-eu'.");
            }
            else if (IdentifierText.HasControlCharacters(d.Id))
            {
                errors.Add(new(IdentifierText.Escape(d.Id), nameof(d.Id), "holds a control or invisible character (such as a newline or an ANSI escape): use letters, digits, '-' and '.' only.", i));
            }
            else if (seen.TryGetValue(d.Id, out var first))
            {
                Error(nameof(d.Id), $"is a duplicate of deployment #{first}: ids must be unique (case-insensitive).");
            }
            else
            {
                seen.Add(d.Id, i);
            }

            if (d.Provider == ProviderKind.Unknown || !Enum.IsDefined(d.Provider))
            {
                Error(nameof(d.Provider), $"is missing or unknown: use one of {string.Join(", ", Enum.GetNames<ProviderKind>().Skip(1))}.");
            }

            if (string.IsNullOrWhiteSpace(d.Model))
            {
                Error(nameof(d.Model), "is missing: name the model the provider runs.");
            }

            if (IdentifierText.HasControlCharacters(d.Model) || IdentifierText.HasControlCharacters(d.Subprocessor))
            {
                Error(IdentifierText.HasControlCharacters(d.Model) ? nameof(d.Model) : nameof(d.Subprocessor),
                    "holds a control or invisible character: it is printed in plans and the disclosure, so write it as plain text.");
            }

            for (var l = 0; l < d.SubprocessorLists.Count; l++)
            {
                if (string.IsNullOrWhiteSpace(d.SubprocessorLists[l]) || IdentifierText.HasControlCharacters(d.SubprocessorLists[l]))
                {
                    Error($"{nameof(d.SubprocessorLists)}:{l}", $"is empty or holds a control character: name a published list such as '{SubprocessorLists.Global}' or '{SubprocessorLists.Eu}'.");
                }
            }

            if (d.Capabilities.Count == 0 || d.Capabilities.Any(c => c == Capability.None || !Enum.IsDefined(c)))
            {
                Error(nameof(d.Capabilities), $"is empty or holds an unknown value: list what it serves ({string.Join(", ", Enum.GetNames<Capability>().Skip(1))}).");
            }

            if (d.ProcessingRegions.Count == 0 || d.ProcessingRegions.Any(r => r.IsUnknown))
            {
                Error(nameof(d.ProcessingRegions), "is empty: list every region where the deployment may process data, including provider re-routing.");
            }

            ValidateEndpoint(d, options, Error);
            BedrockDeploymentChecks.Validate(d, Error);
            AzureOpenAIDeploymentChecks.Validate(d, Error);
            AnthropicDeploymentChecks.Validate(d, Error);

            for (var a = 0; a < d.Attestations.Count; a++)
            {
                ValidateAttestation(d.Attestations[a], $"{nameof(d.Attestations)}:{a}", Error);
            }

            var q = d.Quality;
            if (q is null)
            {
                Error(nameof(d.Quality), "is missing: leave it out to use the defaults, or give resolution rate, hallucination rate and latency.");
            }
            else
            {
                if (q.ResolutionRate is < 0 or > 1 || double.IsNaN(q.ResolutionRate))
                {
                    Error("Quality:ResolutionRate", "must be between 0 and 1.");
                }

                if (q.HallucinationRate is < 0 or > 1 || double.IsNaN(q.HallucinationRate))
                {
                    Error("Quality:HallucinationRate", "must be between 0 and 1.");
                }

                if (q.LatencyMs < 0 || double.IsNaN(q.LatencyMs) || double.IsInfinity(q.LatencyMs))
                {
                    Error("Quality:LatencyMs", "must be a non-negative number of milliseconds.");
                }
            }
        }

        return errors;
    }

    /// <summary>Checks one contract; <paramref name="field"/> is its key (such as <c>Attestations:0</c>) and prefixes every error.</summary>
    internal static void ValidateAttestation(Attestation? att, string field, Action<string, string> error)
    {
        if (att is null)
        {
            error(field, "is empty: remove it or describe the contract.");
            return;
        }

        if (att.Kind == AttestationKind.Unknown || !Enum.IsDefined(att.Kind))
        {
            error($"{field}:Kind", "is missing or unknown: use ZeroDataRetention, NoTraining or BusinessAssociateAgreement.");
        }

        if (string.IsNullOrWhiteSpace(att.Reference))
        {
            error($"{field}:Reference", "is missing: record the contract reference so a reviewer can find the signed document.");
        }
        else if (IdentifierText.HasControlCharacters(att.Reference))
        {
            error($"{field}:Reference", "holds a control or invisible character: write the contract reference as plain text.");
        }

        if (att.EffectiveFrom is null)
        {
            error($"{field}:EffectiveFrom", "is missing: record the date the contract came into force.");
        }
        else if (att.ExpiresAt is { } exp && exp <= att.EffectiveFrom)
        {
            error($"{field}:ExpiresAt", $"({exp:O}) is not after EffectiveFrom ({att.EffectiveFrom:O}): correct one of the dates.");
        }
    }

    /// <summary>Whether the deployment is hosted in the EU: on the EU list, or processing only in the EU.</summary>
    public static bool IsEuHosted(ProviderDeployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return deployment.IsOnList(SubprocessorLists.Eu)
            || (deployment.ProcessingRegions.Count > 0 && deployment.ProcessingRegions.All(r => r == Region.EU));
    }

    /// <summary>OpenAI's EU data-residency API host.</summary>
    private const string OpenAIEuHost = "eu.api.openai.com";

    private static bool IsOpenAIHost(string host) =>
        host.Equals("openai.com", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".openai.com", StringComparison.OrdinalIgnoreCase);

    private static void ValidateEndpoint(ProviderDeployment d, CatalogValidationOptions options, Action<string, string> error)
    {
        if (string.IsNullOrWhiteSpace(d.Endpoint)
            || IdentifierText.HasControlCharacters(d.Endpoint)
            || !Uri.TryCreate(d.Endpoint, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            error(nameof(d.Endpoint), "is missing or not an absolute http(s) address: give the provider's base address.");
            return;
        }

        var local = EndpointAddress.IsLoopbackOrUnspecified(uri);
        if (uri.Scheme == Uri.UriSchemeHttp && !local)
        {
            error(nameof(d.Endpoint), "uses plain http to a remote host: Customer Data must travel over https.");
        }

        if (local)
        {
            if (!options.AllowLoopbackEndpoints)
            {
                error(nameof(d.Endpoint), $"host '{uri.Host}' is a loopback or unspecified address (this machine): allowed only when AllowLoopbackEndpoints is set, for tests against local fakes.");
            }

            return;
        }

        VertexDeploymentChecks.Validate(d, uri, error);
        ElevenLabsDeploymentChecks.Validate(d, uri, error);
        if (d.Provider == ProviderKind.OpenAI && IsEuHosted(d) && IsOpenAIHost(uri.Host)
            && !string.Equals(uri.Host, OpenAIEuHost, StringComparison.OrdinalIgnoreCase))
        {
            // OpenAI's EU data residency is served by exactly one host; a look-alike with an 'eu' token is not it.
            error(nameof(d.Endpoint), $"host '{uri.Host}' is not OpenAI's EU data-residency host, but the deployment processes data in the EU only: use https://{OpenAIEuHost}/v1.");
        }
        else if (IsEuHosted(d) && !uri.Host.Split(HostSeparators).Any(options.EuEndpointHostTokens.Contains))
        {
            error(nameof(d.Endpoint), $"host '{uri.Host}' is not an EU endpoint, but the deployment is EU-hosted: use the provider's EU regional endpoint (for example eu.api.openai.com or bedrock-runtime.eu-central-1.amazonaws.com).");
        }
    }
}
