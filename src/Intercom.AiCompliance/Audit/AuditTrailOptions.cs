namespace Intercom.AiCompliance.Audit;

/// <summary>How an <see cref="AuditTrail"/> seals its chain and how long it waits for its sink.</summary>
public sealed class AuditTrailOptions
{
    /// <summary>The default <see cref="WriteTimeout"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultWriteTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The default <see cref="ShutdownTimeout"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The longest <see cref="WriteTimeout"/> or <see cref="ShutdownTimeout"/> accepted: 10 minutes.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The key new records are sealed with (configuration: <c>AiCompliance:Audit:ChainKey</c>). Required for every
    /// sink but <see cref="InMemoryAuditSink"/>, which alone may use a random per-process key: a stored trail sealed
    /// with a key nobody holds any more could never be verified.
    /// </summary>
    public AuditChainKey? ChainKey { get; set; }

    /// <summary>
    /// Keys used before <see cref="ChainKey"/> (configuration: <c>AiCompliance:Audit:RetiredChainKeys</c>). The trail
    /// accepts a stored last record sealed with one of them and continues the chain under the current key.
    /// </summary>
    public IList<AuditChainKey> RetiredChainKeys { get; } = [];

    /// <summary>
    /// How long a request waits for its record to be stored, and how long one sink call may take, before the request
    /// gets an <see cref="AuditWriteException"/> (configuration: <c>AiCompliance:Audit:WriteTimeout</c>). Default 5 s.
    /// </summary>
    public TimeSpan WriteTimeout { get; set; } = DefaultWriteTimeout;

    /// <summary>
    /// How long disposing the trail waits for queued records before failing them and giving up
    /// (configuration: <c>AiCompliance:Audit:ShutdownTimeout</c>). Default 10 s.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = DefaultShutdownTimeout;
}
