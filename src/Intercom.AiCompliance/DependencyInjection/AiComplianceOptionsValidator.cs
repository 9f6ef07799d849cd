using System.ComponentModel.DataAnnotations;
using Intercom.AiCompliance.Catalog;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.DependencyInjection;

/// <summary>
/// Validates <see cref="AiComplianceOptions"/> when the host starts. Every message names the configuration key
/// (such as <c>AiCompliance:Catalog:Deployments:3:Endpoint</c>) and what would fix it.
/// </summary>
internal sealed class AiComplianceOptionsValidator : IValidateOptions<AiComplianceOptions>
{
    private const string Root = AiComplianceOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, AiComplianceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        IReadOnlyList<ProviderDeployment> deployments;
        try
        {
            deployments = options.Catalog.EffectiveDeployments();
        }
        catch (System.Text.Json.JsonException ex)
        {
            return ValidateOptionsResult.Fail($"{Root}:Catalog:UseDefault: the default catalogue could not be read ({ex.Message}).");
        }

        var offset = options.Catalog.UseDefault ? deployments.Count - options.Catalog.Deployments.Count : 0;
        foreach (var e in CatalogValidator.Validate(deployments, new CatalogValidationOptions { AllowLoopbackEndpoints = options.Catalog.AllowLoopbackEndpoints }))
        {
            var key = e.Index >= offset
                ? $"{Root}:Catalog:Deployments:{e.Index - offset}:{e.Field}"
                : $"{Root}:Catalog:UseDefault (default deployment '{e.DeploymentId}'):{e.Field}";
            errors.Add($"{key}: deployment '{e.DeploymentId}' {e.Message}");
        }

        var router = options.Router;
        Annotations(router, $"{Root}:Router", errors);
        Annotations(router.Retry, $"{Root}:Router:Retry", errors);
        Annotations(router.CircuitBreaker, $"{Root}:Router:CircuitBreaker", errors);
        if (router.AttemptTimeout > router.TotalDeadline)
        {
            errors.Add($"{Root}:Router:AttemptTimeout ({router.AttemptTimeout}) is longer than {Root}:Router:TotalDeadline ({router.TotalDeadline}): shorten the attempt timeout or lengthen the deadline.");
        }

        if (router.Retry.MaxDelay < router.Retry.BaseDelay)
        {
            errors.Add($"{Root}:Router:Retry:MaxDelay is shorter than {Root}:Router:Retry:BaseDelay: make MaxDelay at least BaseDelay.");
        }

        if (router.AuditDigestKey is { Length: > 0 } key2)
        {
            var bytes = new byte[key2.Length];
            if (!Convert.TryFromBase64String(key2, bytes, out var written) || written < 32)
            {
                errors.Add($"{Root}:Router:AuditDigestKey must be at least 32 random bytes, base64-encoded (for example the output of 'openssl rand -base64 32').");
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Workspaces.Count; i++)
        {
            var w = options.Workspaces[i];
            var key = $"{Root}:Workspaces:{i}";
            if (w is null || string.IsNullOrWhiteSpace(w.WorkspaceId))
            {
                errors.Add($"{key}:WorkspaceId is missing: give every workspace profile its workspace id.");
                continue;
            }

            if (!seen.Add(w.WorkspaceId))
            {
                errors.Add($"{key}:WorkspaceId '{w.WorkspaceId}' appears twice: keep one profile per workspace.");
            }

            if (w.HostingRegion.IsUnknown)
            {
                errors.Add($"{key}:HostingRegion is missing: use US, EU or AU.");
            }

            if (!Enum.IsDefined(w.ContractType))
            {
                errors.Add($"{key}:ContractType is not known: use Standard, Mssa or Trial.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Annotations(object instance, string prefix, List<string> errors)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(instance, new ValidationContext(instance), results, validateAllProperties: true))
        {
            foreach (var r in results)
            {
                foreach (var member in r.MemberNames.DefaultIfEmpty(""))
                {
                    errors.Add($"{prefix}:{member}: {r.ErrorMessage} Set a value in range, or remove the key to use the default.");
                }
            }
        }
    }
}
