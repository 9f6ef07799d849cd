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

        if (audit.FilePath is { Length: > 0 } file && audit.ChainKey is { Length: > 0 } current && StoredKeyProblem(file, current, audit.RetiredChainKeys) is { } stored)
        {
            yield return stored;
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

    /// <summary>
    /// When the audit file already holds records, whether the configured keys can continue its chain: the last whole
    /// record must be sealed with the chain key or a retired one, or every request would fail on the first write (or,
    /// with a key changed by mistake, a chain nobody can verify would be started). Only key ids are named.
    /// </summary>
    private static string? StoredKeyProblem(string path, string chainKey, IList<string> retired)
    {
        AuditChainKey key;
        var keys = new Dictionary<string, AuditChainKey>(StringComparer.Ordinal);
        try
        {
            key = AuditChainKey.FromBase64(chainKey, $"{Section}:ChainKey");
            keys[key.Id] = key;
            foreach (var r in retired)
            {
                var k = AuditChainKey.FromBase64(r ?? string.Empty, $"{Section}:RetiredChainKeys");
                keys.TryAdd(k.Id, k);
            }
        }
        catch (ArgumentException)
        {
            return null; // Reported above, naming the key.
        }

        AuditRecord? last;
        byte[] body;
        try
        {
            last = JsonLinesAuditSink.ReadLastWholeRecord(path, out body);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null; // Not a readable file: the path checks report it.
        }

        if (last is null)
        {
            return null; // No file, an empty one, or a last line that is not a record: the sink reports the latter at the first write.
        }

        if (!keys.TryGetValue(last.KeyId, out var sealedWith))
        {
            return $"{Section}:ChainKey (key id {key.Id}) cannot continue the audit file '{Path.GetFullPath(path)}': its last record ({last.Sequence}) is sealed with " +
                $"{AuditChainKey.Describe(last.KeyId)}, which is neither the chain key nor one of {Section}:RetiredChainKeys. If the key was rotated, list the " +
                "previous key under RetiredChainKeys; if the key was changed by mistake, restore it. Otherwise start a new file and keep this one as evidence.";
        }

        if (!AuditChain.MacMatches(body, last.Mac, sealedWith))
        {
            return $"{Section}:FilePath: the last record ({last.Sequence}) of '{Path.GetFullPath(path)}' does not verify under key {sealedWith.Id}: it was edited after it was written. " +
              "Keep the file as evidence (check it with 'aicompliance audit verify') and point the trail at a new file.";
        }

        // Sealed with a retired key: the configured key must not have sealed anything earlier (a rotation rolled back).
        return sealedWith.Id != key.Id && SealedEarlier(path, key.Id, last.Sequence)
            ? $"{Section}:ChainKey (key id {key.Id}) already sealed records of the audit file '{Path.GetFullPath(path)}' before the chain moved on to key {sealedWith.Id} " +
              $"(record {last.Sequence}): a key rotation was rolled back. Keys only move forward, so every record sealed now would fail verification. " +
              $"Make key {sealedWith.Id} the ChainKey again, or rotate to a new key."
            : null;
    }

    /// <summary>Whether a record before <paramref name="beforeSequence"/> in the file is sealed with <paramref name="keyId"/> (read once, at start, after a rotation).</summary>
    private static bool SealedEarlier(string path, string keyId, long beforeSequence)
    {
        var needle = $"\"keyId\":\"{keyId}\"";
        foreach (var line in File.ReadLines(path, AuditChain.Utf8))
        {
            var bytes = AuditChain.Utf8.GetBytes(line);
            if (AuditChain.TryReadSequence(bytes, out var sequence))
            {
                if (sequence >= beforeSequence)
                {
                    return false;
                }

                if (line.Contains(needle, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
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
