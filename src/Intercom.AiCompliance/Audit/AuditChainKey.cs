using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Intercom.AiCompliance.Audit;

/// <summary>
/// The secret that seals the audit chain: every record carries an HMAC-SHA256 under it, so anyone who can write the
/// audit file but does not hold the key cannot forge, edit or re-link a record without verification noticing.
/// </summary>
/// <remarks>
/// The key never appears in records, logs, messages or <see cref="ToString"/>. A record names only the key's
/// <see cref="Id"/>, derived one-way from the key, so keys can rotate: a verifier given the old and the new key
/// checks each record under the key it was written with.
/// </remarks>
public sealed partial class AuditChainKey
{
    /// <summary>The shortest key accepted, in bytes: 32 (the HMAC-SHA256 block's security level).</summary>
    public const int MinimumLength = 32;

    private static readonly byte[] IdLabel = "Intercom.AiCompliance audit chain key id v1"u8.ToArray();
    private readonly byte[] _key;

    /// <summary>Creates a key from raw bytes (copied).</summary>
    /// <exception cref="ArgumentException">The key is shorter than <see cref="MinimumLength"/> bytes.</exception>
    public AuditChainKey(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinimumLength)
        {
            throw new ArgumentException($"An audit chain key needs at least {MinimumLength} random bytes; this one has {key.Length}.", nameof(key));
        }

        _key = key.ToArray();
        Id = "k" + Convert.ToHexStringLower(HMACSHA256.HashData(_key, IdLabel).AsSpan(0, 8));
    }

    /// <summary>
    /// A public name for the key, written in every record it seals: <c>k</c> and 16 hex digits of an HMAC of a fixed
    /// label under the key. It identifies the key without revealing it.
    /// </summary>
    public string Id { get; }

    /// <summary>Decodes a base64 key, as configured in <c>AiCompliance:Audit:ChainKey</c>.</summary>
    /// <param name="base64">The key, base64-encoded (for example the output of <c>openssl rand -base64 32</c>).</param>
    /// <param name="settingName">Where the value came from, named in the error (never the value itself).</param>
    /// <exception cref="ArgumentException">The value is not base64, or is shorter than 32 bytes.</exception>
    public static AuditChainKey FromBase64(string base64, string settingName = "the audit chain key")
    {
        ArgumentNullException.ThrowIfNull(base64);
        ArgumentNullException.ThrowIfNull(settingName);
        var buffer = new byte[(base64.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(base64.Trim(), buffer, out var written))
        {
            throw new ArgumentException($"{settingName} is not base64: use {MinimumLength} or more random bytes, base64-encoded (for example the output of 'openssl rand -base64 32').");
        }

        try
        {
            return written >= MinimumLength
                ? new AuditChainKey(buffer.AsSpan(0, written))
                : throw new ArgumentException($"{settingName} is {written} bytes long: use {MinimumLength} or more random bytes, base64-encoded (for example the output of 'openssl rand -base64 32').");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>
    /// A random key that lives only as long as this process: enough for an in-memory trail, useless for anything
    /// stored, since nobody could verify it after the process ends.
    /// </summary>
    public static AuditChainKey CreateEphemeral()
    {
        var bytes = RandomNumberGenerator.GetBytes(MinimumLength);
        try
        {
            return new AuditChainKey(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Names the key by its id; never shows the key.</summary>
    public override string ToString() => $"audit chain key {Id}";

    /// <summary>
    /// Names a key id read from a record for a message: the id itself when it has the form of one, otherwise a
    /// placeholder, since an unverified line could hold anything there.
    /// </summary>
    internal static string Describe(string keyId) => IdForm().IsMatch(keyId) ? $"key id {keyId}" : "a malformed key id";

    [GeneratedRegex("^k[0-9a-f]{16}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdForm();

    /// <summary>Writes HMAC-SHA256 of <paramref name="data"/> under the key into <paramref name="mac"/> (32 bytes).</summary>
    internal void Mac(ReadOnlySpan<byte> data, Span<byte> mac) => HMACSHA256.HashData(_key, data, mac);

    /// <summary>
    /// Writes HMAC-SHA256 of <paramref name="data"/> under the key into <paramref name="destination"/> (32 bytes), for a
    /// store that seals structures of its own beside the chain (the PostgreSQL store's fleet anchors). The key itself
    /// never leaves the object.
    /// </summary>
    /// <remarks>
    /// Start <paramref name="data"/> with a label of the structure's own (for example <c>aicompliance-fleet-anchor-v1\n</c>):
    /// a record's sealed body starts with <c>{</c>, so a labelled MAC can never be taken for a record's.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes, or <paramref name="data"/> starts with <c>{</c>.</exception>
    public void ComputeMac(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (destination.Length < 32)
        {
            throw new ArgumentException("The MAC needs 32 bytes.", nameof(destination));
        }

        if (!data.IsEmpty && data[0] == (byte)'{')
        {
            throw new ArgumentException("Data starting with '{' could be taken for an audit record's body: start it with a label of its own.", nameof(data));
        }

        Mac(data, destination);
    }
}
