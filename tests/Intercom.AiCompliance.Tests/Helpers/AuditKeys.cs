using Intercom.AiCompliance.Audit;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>Fixed audit chain keys for tests (never a real secret).</summary>
public static class AuditKeys
{
    /// <summary>The key test trails seal their chains with.</summary>
    public static readonly AuditChainKey Chain = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    /// <summary>Another key: an attacker's, or the next one after a rotation.</summary>
    public static readonly AuditChainKey Other = new(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());

    /// <summary>Trail options sealing with <see cref="Chain"/>.</summary>
    public static AuditTrailOptions Options() => new() { ChainKey = Chain };
}
