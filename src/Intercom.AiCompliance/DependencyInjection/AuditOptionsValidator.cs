using Intercom.AiCompliance.Audit;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.DependencyInjection;

/// <summary>
/// Validates <c>AiCompliance:Audit</c> when the host starts: the chain key and retired keys decode to 32 or more bytes,
/// a file trail has a key, and the timeouts are in range. Messages name the key, never its value.
/// </summary>
internal sealed class AuditOptionsValidator : IValidateOptions<AiComplianceOptions>
{
    private const string Section = AiComplianceOptions.SectionName + ":Audit";

    public ValidateOptionsResult Validate(string? name, AiComplianceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Check(options.Audit ?? new AuditOptions()).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Builds the trail's options from configuration, failing with the same messages as the start-time check.</summary>
    /// <exception cref="OptionsValidationException">A key or timeout is invalid.</exception>
    public static AuditTrailOptions ToTrailOptions(AuditOptions audit)
    {
        ArgumentNullException.ThrowIfNull(audit);
        var errors = Check(audit).ToList();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(AiComplianceOptions), errors);
        }

        var options = new AuditTrailOptions
        {
            ChainKey = audit.ChainKey is { Length: > 0 } key ? AuditChainKey.FromBase64(key, $"{Section}:ChainKey") : null,
            WriteTimeout = audit.WriteTimeout,
            ShutdownTimeout = audit.ShutdownTimeout,
        };
        for (var i = 0; i < audit.RetiredChainKeys.Count; i++)
        {
            options.RetiredChainKeys.Add(AuditChainKey.FromBase64(audit.RetiredChainKeys[i], $"{Section}:RetiredChainKeys:{i}"));
        }

        return options;
    }

    private static IEnumerable<string> Check(AuditOptions audit)
    {
        if (audit.ChainKey is { Length: > 0 } key)
        {
            if (Decode(key, $"{Section}:ChainKey") is { } error)
            {
                yield return error;
            }
        }
        else if (audit.FilePath is { Length: > 0 })
        {
            yield return $"{Section}:ChainKey is required when {Section}:FilePath is set: the file's records are sealed with it, and a random key would leave " +
                "the file unverifiable after a restart. Use 32 or more random bytes, base64-encoded (for example the output of 'openssl rand -base64 32'), " +
                "kept in the host's secret store.";
        }

        for (var i = 0; i < audit.RetiredChainKeys.Count; i++)
        {
            if (Decode(audit.RetiredChainKeys[i] ?? string.Empty, $"{Section}:RetiredChainKeys:{i}") is { } error)
            {
                yield return error;
            }
        }

        if (audit.WriteTimeout <= TimeSpan.Zero || audit.WriteTimeout > AuditTrailOptions.MaxTimeout)
        {
            yield return $"{Section}:WriteTimeout is {audit.WriteTimeout}: use a duration above 0 up to {AuditTrailOptions.MaxTimeout} (default {AuditTrailOptions.DefaultWriteTimeout}).";
        }

        if (audit.ShutdownTimeout < TimeSpan.Zero || audit.ShutdownTimeout > AuditTrailOptions.MaxTimeout)
        {
            yield return $"{Section}:ShutdownTimeout is {audit.ShutdownTimeout}: use a duration from 0 up to {AuditTrailOptions.MaxTimeout} (default {AuditTrailOptions.DefaultShutdownTimeout}).";
        }
    }

    private static string? Decode(string base64, string setting)
    {
        try
        {
            AuditChainKey.FromBase64(base64, setting);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }
}
