using System.Text.Json.Serialization;

namespace Intercom.AiCompliance.Audit;

/// <summary>
/// A signed checkpoint of a pruned chain: the sequence and MAC of the last record removed, sealed with the chain key.
/// Stored as the first line of what remains after pruning (and of an export that follows an earlier pruning), it lets a
/// verifier start from it: the next record must link to the head it names.
/// </summary>
/// <remarks>
/// Its stored line has the form of a record's (a JSON body, then <c>,"mac":"&lt;64 hex&gt;"</c> before the closing brace),
/// with <c>{"checkpoint":true</c> first, so a checkpoint's sealed bytes can never be read as a record's or the other way
/// round. Without the chain key nobody can forge or edit one; deleting it leaves the first remaining record pointing at
/// records that are gone, which verification reports.
/// </remarks>
public sealed record AuditCheckpoint
{
    /// <summary>Always <see langword="true"/>: marks the line as a checkpoint (written first).</summary>
    public bool Checkpoint { get; init; } = true;

    /// <summary>The sequence of the last record pruned: the next record in the chain has this sequence + 1.</summary>
    public required long Sequence { get; init; }

    /// <summary>The MAC of the last record pruned: the next record's <see cref="AuditRecord.PreviousMac"/>.</summary>
    public required string HeadMac { get; init; }

    /// <summary>Records were pruned when they were written before this instant.</summary>
    public required DateTimeOffset PrunedBefore { get; init; }

    /// <summary>When the checkpoint was made.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The <see cref="AuditChainKey.Id"/> of the key that sealed this checkpoint.</summary>
    public string KeyId { get; init; } = string.Empty;

    /// <summary>HMAC-SHA256 (64 lowercase hex digits) under <see cref="KeyId"/> over the checkpoint's stored bytes without this field.</summary>
    [JsonIgnore]
    public string Mac { get; init; } = string.Empty;
}
