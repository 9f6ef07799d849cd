using System.ComponentModel.DataAnnotations;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Training;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.DependencyInjection;

/// <summary>
/// Validates <see cref="AiComplianceOptions"/> when the host starts (and before a reload is accepted). Every message names
/// the configuration key (such as <c>AiCompliance:Catalog:Deployments:3:Endpoint</c>) and what would fix it.
/// </summary>
internal sealed class AiComplianceOptionsValidator : IValidateOptions<AiComplianceOptions>
{
    private const string Root = AiComplianceOptions.SectionName;

    private readonly ConfigurationProblems? _problems;
    private readonly IServiceProvider? _services;
    private readonly ILogger? _logger;

    public AiComplianceOptionsValidator(ConfigurationProblems? problems = null, IServiceProvider? services = null, ILogger<AiComplianceOptionsValidator>? logger = null)
    {
        _problems = problems;
        _services = services;
        _logger = logger;
    }

    public ValidateOptionsResult Validate(string? name, AiComplianceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var read = _problems?.For(options) ?? [];
        var errors = new List<ConfigurationProblem>(read);
        var checks = new List<ConfigurationProblem>();
        void Error(string key, string message) => checks.Add(new(key, message));

        ValidateCatalog(options.Catalog, Error);
        ValidateRouter(options.Router, Error);
        ValidateAudit(options.Audit, Error);
        ValidateWorkspaces(options.Workspaces, Error);
        ValidateTraining(Error);
        ValidateQuarantine(options.Quarantine, Error);

        // A value the reader already refused is reported once, by the reader, which says what was written.
        // (A refused list item also leaves its list empty or short, so a key above or below a refused one is skipped too.)
        var refused = read.Select(p => p.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        errors.AddRange(checks.Where(c => !refused.Any(r => Related(r, c.Key))));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors.Select(e => e.ToString()));
    }

    private static void ValidateQuarantine(QuarantineOptions quarantine, Action<string, string> error)
    {
        if (quarantine.ReloadInterval <= TimeSpan.Zero || quarantine.ReloadInterval > TimeSpan.FromDays(1))
        {
            error($"{Root}:Quarantine:ReloadInterval", $"is {quarantine.ReloadInterval}: use a positive duration of at most one day, such as 00:00:05 (how soon a clear made by the tool takes effect).");
        }

        if (quarantine.FilePath is { } path && (string.IsNullOrWhiteSpace(path) || path.IndexOfAny(Path.GetInvalidPathChars()) >= 0 || Directory.Exists(path)))
        {
            error($"{Root}:Quarantine:FilePath", "is empty, holds characters a path cannot, or is a folder: give the JSON file quarantines persist in (or leave it out to keep them next to the audit file).");
        }
    }

    private static bool Related(string a, string b) =>
        string.Equals(a, b, StringComparison.OrdinalIgnoreCase)
        || (a.Length > b.Length && a[b.Length] == ':' && a.StartsWith(b, StringComparison.OrdinalIgnoreCase))
        || (b.Length > a.Length && b[a.Length] == ':' && b.StartsWith(a, StringComparison.OrdinalIgnoreCase));

    private void ValidateCatalog(CatalogOptions catalog, Action<string, string> error)
    {
        IReadOnlyList<ProviderDeployment> defaults;
        try
        {
            defaults = catalog.UseDefault ? DefaultCatalog.Deployments() : [];
        }
        catch (System.Text.Json.JsonException ex)
        {
            error($"{Root}:Catalog:UseDefault", $"the default catalogue could not be read ({ex.Message}).");
            return;
        }

        // Validated without the host's extra contracts, so each error names the key it came from.
        IReadOnlyList<ProviderDeployment> deployments = [.. defaults, .. catalog.Deployments];
        var offset = defaults.Count;
        foreach (var e in CatalogValidator.Validate(deployments, new CatalogValidationOptions { AllowLoopbackEndpoints = catalog.AllowLoopbackEndpoints }))
        {
            var key = e.Index >= offset
                ? $"{Root}:Catalog:Deployments:{e.Index - offset}:{e.Field}"
                : $"{Root}:Catalog:UseDefault (default deployment '{e.DeploymentId}'):{e.Field}";
            error(key, $"deployment '{e.DeploymentId}' {e.Message}");
        }

        for (var i = 0; i < catalog.Deployments.Count; i++)
        {
            if (catalog.Deployments[i]?.Id is { } id && IdentifierText.IsMixedScript(id) && _logger is not null)
            {
                ConfigurationLog.MixedScriptId(_logger, $"{Root}:Catalog:Deployments:{i}:Id", IdentifierText.Escape(id));
            }
        }

        var ids = deployments.Where(d => d is not null && !string.IsNullOrWhiteSpace(d.Id)).Select(d => d.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, contracts) in catalog.Attestations)
        {
            var key = $"{Root}:Catalog:Attestations:{id}";
            if (!ids.Contains(id))
            {
                error(key, $"names no deployment in the catalogue: use the id of a deployment ({(catalog.UseDefault ? "default or " : "")}listed under {Root}:Catalog:Deployments).");
                continue;
            }

            for (var a = 0; a < (contracts?.Count ?? 0); a++)
            {
                CatalogValidator.ValidateAttestation(contracts![a], $"{key}:{a}", (field, message) => error(field, message));
            }
        }
    }

    private static void ValidateRouter(ProviderRouterOptions router, Action<string, string> error)
    {
        Annotations(router, $"{Root}:Router", error);
        Annotations(router.Retry, $"{Root}:Router:Retry", error);
        Annotations(router.CircuitBreaker, $"{Root}:Router:CircuitBreaker", error);
        if (!Enum.IsDefined(router.AuditFailureMode))
        {
            error($"{Root}:Router:AuditFailureMode", $"({(int)router.AuditFailureMode}) is not defined: use {StrictConfigurationReader.Accepted(typeof(AuditFailureMode))}.");
        }

        if (router.AttemptTimeout > router.TotalDeadline)
        {
            error($"{Root}:Router:AttemptTimeout", $"({router.AttemptTimeout}) is longer than {Root}:Router:TotalDeadline ({router.TotalDeadline}): shorten the attempt timeout or lengthen the deadline.");
        }
        else if (WorstCaseOnOneCandidate(router) + router.AttemptTimeout > router.TotalDeadline)
        {
            error($"{Root}:Router:TotalDeadline",
                $"({router.TotalDeadline}) leaves no room to fail over: one hanging deployment may use (MaxRetryAttempts + 1) x AttemptTimeout + MaxRetryAttempts x max(MaxDelay, MaxRetryAfter) = {WorstCaseOnOneCandidate(router)}, and the next candidate needs one more AttemptTimeout ({router.AttemptTimeout}). Lengthen the deadline, or shorten the attempt timeout, the retries or the delays.");
        }

        if (router.Retry.MaxDelay < router.Retry.BaseDelay)
        {
            error($"{Root}:Router:Retry:MaxDelay", $"is shorter than {Root}:Router:Retry:BaseDelay: make MaxDelay at least BaseDelay.");
        }

        // Longer than TotalDeadline is allowed: the deadline bounds redaction too (a host that shortens the deadline and
        // never redacts must not fail its start over this default).
        if (router.RedactionTimeout <= TimeSpan.Zero)
        {
            error($"{Root}:Router:RedactionTimeout", $"({router.RedactionTimeout}) must be more than zero.");
        }

        if (router.AuditDigestKey is { Length: > 0 } key)
        {
            var bytes = new byte[key.Length];
            if (!Convert.TryFromBase64String(key, bytes, out var written) || written < 32)
            {
                error($"{Root}:Router:AuditDigestKey", "must be at least 32 random bytes, base64-encoded (for example the output of 'openssl rand -base64 32').");
            }
        }
    }

    /// <summary>
    /// The longest one candidate can keep a request when it hangs or keeps failing: every attempt runs to its timeout and
    /// every retry waits the longest delay the router honours. The router retries only while such a wait still ends
    /// before the deadline, so this is the bound the defaults are chosen against.
    /// </summary>
    internal static TimeSpan WorstCaseOnOneCandidate(ProviderRouterOptions router)
    {
        var retries = router.Retry.MaxRetryAttempts;
        var wait = router.Retry.MaxDelay > router.Retry.MaxRetryAfter ? router.Retry.MaxDelay : router.Retry.MaxRetryAfter;
        return (router.AttemptTimeout * (retries + 1)) + (wait * retries);
    }

    private static void ValidateAudit(AuditOptions audit, Action<string, string> error)
    {
        if (audit.FilePath is null)
        {
            return;
        }

        var key = $"{Root}:Audit:FilePath";
        if (audit.FilePath.Length == 0 || string.IsNullOrWhiteSpace(audit.FilePath))
        {
            error(key, "is empty: give the path of the audit file, or remove the key to keep the trail in memory (tests and demos only).");
            return;
        }

        if (audit.FilePath.IndexOfAny([.. Path.GetInvalidPathChars(), '\0']) >= 0 || IdentifierText.HasControlCharacters(audit.FilePath))
        {
            error(key, "holds a NUL or another character no file name may hold: give a plain file path.");
            return;
        }

        string full;
        try
        {
            full = Path.GetFullPath(audit.FilePath);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            error(key, $"is not a usable file path ({ex.GetType().Name}): give a plain file path.");
            return;
        }

        if (Directory.Exists(full) || audit.FilePath.EndsWith(Path.DirectorySeparatorChar) || audit.FilePath.EndsWith(Path.AltDirectorySeparatorChar))
        {
            error(key, $"'{full}' is a folder: give the path of a file inside it, such as {Path.Combine(full, "ai-audit.jsonl")}.");
            return;
        }

        if (File.Exists(full))
        {
            try
            {
                // Read and write, as the sink opens it: opening a named pipe only for writing would block until a reader
                // came, and the start with it. A pipe, a socket or a terminal cannot seek; a regular file can.
                using var stream = new FileStream(full, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1);
                if (!stream.CanSeek)
                {
                    error(key, $"'{full}' is not a regular file (a pipe, a socket or a device): records written there are not kept. Give the path of a regular file.");
                }
            }
            catch (UnauthorizedAccessException)
            {
                error(key, $"'{full}' is not writable by this process: grant write access or choose another file.");
            }
            catch (IOException)
            {
                // Held by a writer (the trail's own sink after a reload): in use is not unwritable.
            }

            return;
        }

        // The sink creates missing folders; the nearest existing ancestor must be a folder this process can write in.
        var ancestor = Path.GetDirectoryName(full);
        while (!string.IsNullOrEmpty(ancestor) && !Directory.Exists(ancestor))
        {
            if (File.Exists(ancestor))
            {
                error(key, $"'{full}' lies under '{ancestor}', which is a file, not a folder: choose another path.");
                return;
            }

            ancestor = Path.GetDirectoryName(ancestor);
        }

        if (string.IsNullOrEmpty(ancestor))
        {
            error(key, $"'{full}' has no existing folder above it: give a path on a mounted drive.");
            return;
        }

        try
        {
            using var probe = File.Create(Path.Combine(ancestor, $".aicompliance-probe-{Guid.NewGuid():N}"), 1, FileOptions.DeleteOnClose);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            error(key, $"'{full}' cannot be created: this process cannot write in '{ancestor}' ({ex.GetType().Name}). Grant write access or choose another folder.");
        }
    }

    private void ValidateWorkspaces(List<WorkspaceComplianceProfile> workspaces, Action<string, string> error)
    {
        // Ids that differ only in case are one workspace written twice: two profiles with possibly contradicting facts
        // (an EU and a US hosting region), of which a lookup would pick one by the caller's spelling.
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < workspaces.Count; i++)
        {
            var w = workspaces[i];
            var key = $"{Root}:Workspaces:{i}";
            if (w is null || string.IsNullOrWhiteSpace(w.WorkspaceId))
            {
                error($"{key}:WorkspaceId", "is missing: give every workspace profile its workspace id.");
                continue;
            }

            if (IdentifierText.HasControlCharacters(w.WorkspaceId))
            {
                error($"{key}:WorkspaceId", "holds a control or invisible character (such as a newline or an ANSI escape): use the workspace id as plain text.");
            }
            else if (w.WorkspaceId.Trim().Length != w.WorkspaceId.Length)
            {
                // Looked up exactly, such a profile would never be found: the workspace's requests would be refused.
                error($"{key}:WorkspaceId", $"'{w.WorkspaceId}' starts or ends with a space: write the workspace id exactly as the platform sends it.");
            }
            else if (IdentifierText.IsMixedScript(w.WorkspaceId) && _logger is not null)
            {
                ConfigurationLog.MixedScriptId(_logger, $"{key}:WorkspaceId", IdentifierText.Escape(w.WorkspaceId));
            }

            if (seen.TryGetValue(w.WorkspaceId, out var earlier))
            {
                error($"{key}:WorkspaceId", earlier == w.WorkspaceId
                    ? $"'{IdentifierText.Escape(w.WorkspaceId)}' appears twice: keep one profile per workspace."
                    : $"'{IdentifierText.Escape(w.WorkspaceId)}' differs from '{IdentifierText.Escape(earlier)}' only in case: keep one profile per workspace, spelt as the platform spells its id.");
            }
            else
            {
                seen.Add(w.WorkspaceId, w.WorkspaceId);
            }

            if (w.HostingRegion.IsUnknown || !StrictConfigurationReader.KnownRegions.Contains(w.HostingRegion))
            {
                error($"{key}:HostingRegion", $"is missing or not offered: use {string.Join(", ", StrictConfigurationReader.KnownRegions)}.");
            }

            if (w.ContractType == ContractType.Unknown || !Enum.IsDefined(w.ContractType))
            {
                error($"{key}:ContractType", $"is missing or not known: use {StrictConfigurationReader.Accepted(typeof(ContractType))}.");
            }

            foreach (var (product, sources) in w.AllowedKnowledgeSources)
            {
                if (product == AiProduct.Unknown || !Enum.IsDefined(product))
                {
                    error($"{key}:AllowedKnowledgeSources:{product}", $"is not a product: use {StrictConfigurationReader.Accepted(typeof(AiProduct))}.");
                }
                else if (sources is null || sources.Any(s => s == KnowledgeSource.Unknown || !Enum.IsDefined(s)))
                {
                    error($"{key}:AllowedKnowledgeSources:{product}", $"holds an unknown source: use {StrictConfigurationReader.Accepted(typeof(KnowledgeSource))}.");
                }
            }

            for (var c = 0; c < w.PurposeClearances.Count; c++)
            {
                if (w.PurposeClearances[c] is not { } clearance || clearance.Purpose == Purpose.Undeclared || !Enum.IsDefined(clearance.Purpose))
                {
                    error($"{key}:PurposeClearances:{c}:Purpose", $"is missing or not known: use {StrictConfigurationReader.Accepted(typeof(Purpose))}.");
                    continue;
                }

                // A clearance without its record never counts: stated in configuration, it would be refused in silence.
                if (string.IsNullOrWhiteSpace(clearance.Reference) || IdentifierText.HasControlCharacters(clearance.Reference))
                {
                    error($"{key}:PurposeClearances:{c}:Reference", "is missing: a clearance counts only with the reference of its record (a DPIA or legal ticket), written as plain text.");
                }

                if (clearance.GrantedAt is not { } granted)
                {
                    error($"{key}:PurposeClearances:{c}:GrantedAt", "is missing: a clearance counts only from the instant it was granted (an ISO 8601 instant such as 2026-01-01T00:00:00Z).");
                }
                else if (clearance.ExpiresAt is { } expires && expires <= granted)
                {
                    error($"{key}:PurposeClearances:{c}:ExpiresAt", $"({expires:O}) is not after GrantedAt ({granted:O}): the clearance would never be in force.");
                }
            }
        }
    }

    private void ValidateTraining(Action<string, string> error)
    {
        if (_services is null)
        {
            return;
        }

        var sinkRegistered = _services.GetService<IServiceProviderIsService>() is { } isService
            ? isService.IsService(typeof(ITrainingDataSink))
            : _services.GetService<ITrainingDataSink>() is not null;
        if (sinkRegistered
            && _services.GetService<IConsentEventStore>() is InMemoryConsentEventStore
            && _services.GetService<InMemoryConsentStoreOptIn>() is null)
        {
            error($"{Root} (training sink)",
                "a training sink is registered but training opt-outs are kept only in memory (InMemoryConsentEventStore), so every opt-out would be lost on restart: register a durable store with UseConsentEventStore<TStore>(), or, for tests and demos only, call UseInMemoryConsentStoreForTestsAndDemos().");
        }
    }

    private static void Annotations(object instance, string prefix, Action<string, string> error)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(instance, new ValidationContext(instance), results, validateAllProperties: true))
        {
            foreach (var r in results)
            {
                foreach (var member in r.MemberNames.DefaultIfEmpty(""))
                {
                    error($"{prefix}:{member}", $"{r.ErrorMessage} Set a value in range, or remove the key to use the default.");
                }
            }
        }
    }
}

/// <summary>Registered by <see cref="AiComplianceBuilder.UseInMemoryConsentStoreForTestsAndDemos"/>: the host accepts that opt-outs die with the process.</summary>
internal sealed class InMemoryConsentStoreOptIn;

/// <summary>Registered by <see cref="AiComplianceBuilder.UseInMemoryAuditForTestsAndDemos"/>: the host accepts that audit records die with the process.</summary>
internal sealed record InMemoryAuditOptIn(int Capacity);
