namespace Intercom.AiCompliance.Catalog;

/// <summary>
/// A dated contract that backs one promise for one deployment, such as a signed BAA.
/// </summary>
/// <remarks>
/// An attestation is in force from <see cref="EffectiveFrom"/> (inclusive) until <see cref="ExpiresAt"/>
/// (exclusive). A deployment without an attestation in force for a promise is treated as breaking it.
/// </remarks>
public sealed record Attestation
{
    /// <summary>The promise this contract backs.</summary>
    public AttestationKind Kind { get; init; }

    /// <summary>The contract reference a compliance reviewer can look up, such as <c>DPA-2025-014 s.7</c>. Required.</summary>
    public string? Reference { get; init; }

    /// <summary>The first instant the contract is in force. Required.</summary>
    public DateTimeOffset? EffectiveFrom { get; init; }

    /// <summary>The first instant the contract is no longer in force; <see langword="null"/> for a contract without a fixed term.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Whether the contract is in force at <paramref name="now"/>: started, not yet expired, and complete.</summary>
    public bool IsInForceAt(DateTimeOffset now) =>
        Kind != AttestationKind.Unknown
        && !string.IsNullOrWhiteSpace(Reference)
        && EffectiveFrom is { } from && from <= now
        && (ExpiresAt is not { } until || now < until);
}
