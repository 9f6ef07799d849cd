using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Intercom.AiCompliance.Quarantine;

/// <summary>
/// Which deployments are quarantined: read from a persistent <see cref="IQuarantineStore"/> at start, re-read every
/// reload interval (on the injected <see cref="TimeProvider"/>) and on every API call, so a clear made by another
/// process (the <c>aicompliance</c> tool, another host) takes effect here. A served-region incident quarantines a
/// deployment in this process at once, then persists it. Every quarantine and clear is written to the audit chain as a
/// record of its own (<see cref="AuditRecord.QuarantineKind"/>), counted (<c>aicompliance.quarantines</c>) and logged.
/// </summary>
/// <remarks>
/// Fail closed: a store that cannot be read at start stops the start; one that fails later leaves the last known
/// quarantines in force (a clear waits until the store can be read again); an incident whose persistence fails stays
/// quarantined in this process and is written again with the next change.
/// </remarks>
public sealed class DeploymentQuarantine : IDeploymentQuarantine, IAsyncDisposable, IDisposable
{
    /// <summary>Reason code: the provider reported processing in a jurisdiction outside the deployment's processing regions.</summary>
    public const string ServedOutsideRegions = "served-region-outside-deployment";

    /// <summary>Reason code: the provider reported a region that maps to no known jurisdiction (unknown is outside).</summary>
    public const string ServedRegionUnmapped = "served-region-unmapped";

    /// <summary>Reason code: an operator quarantined the deployment by hand.</summary>
    public const string OperatorQuarantine = "operator";

    /// <summary>Who quarantines after an incident.</summary>
    public const string RouterActor = "router";

    /// <summary>The default interval between two reads of the store: 5 seconds.</summary>
    public static readonly TimeSpan DefaultReloadInterval = TimeSpan.FromSeconds(5);

    private const int MaxNoteLength = 500;
    private static readonly IReadOnlyDictionary<string, QuarantineEntry> None = new Dictionary<string, QuarantineEntry>();

    private readonly IQuarantineStore _store;
    private readonly AuditTrail? _audit;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly object _sync = new();
    private readonly Dictionary<string, QuarantineEntry> _unpersisted = new(StringComparer.OrdinalIgnoreCase);
    private readonly ITimer? _timer;
    private volatile IReadOnlyDictionary<string, QuarantineEntry> _active = None;
    private int _refreshing;

    /// <summary>Creates the quarantine over <paramref name="store"/> and reads it once (a store that cannot be read throws here).</summary>
    /// <param name="store">Where quarantines persist.</param>
    /// <param name="audit">The audit trail quarantine records go to; none: not audited (tools that only read).</param>
    /// <param name="timeProvider">The clock for timestamps and the reload timer.</param>
    /// <param name="reloadInterval">How often the store is re-read; <see cref="Timeout.InfiniteTimeSpan"/>: only on API calls. Default <see cref="DefaultReloadInterval"/>.</param>
    /// <param name="logger">Logs incidents, clears and store failures (ids and region names only).</param>
    /// <exception cref="ArgumentOutOfRangeException">The interval is not positive (and not infinite).</exception>
    public DeploymentQuarantine(IQuarantineStore store, AuditTrail? audit = null, TimeProvider? timeProvider = null, TimeSpan? reloadInterval = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var interval = reloadInterval ?? DefaultReloadInterval;
        if (interval != Timeout.InfiniteTimeSpan && (interval <= TimeSpan.Zero || interval > TimeSpan.FromDays(1)))
        {
            throw new ArgumentOutOfRangeException(nameof(reloadInterval), interval,
                "AiCompliance:Quarantine:ReloadInterval must be positive and at most one day, such as 00:00:05.");
        }

        _store = store;
        _audit = audit;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _active = ToActive(store.ReadAllAsync().AsTask().GetAwaiter().GetResult());
        ReloadInterval = interval;
        if (interval != Timeout.InfiniteTimeSpan)
        {
            _timer = _time.CreateTimer(static s => ((DeploymentQuarantine)s!).RefreshInBackground(), this, interval, interval);
        }
    }

    /// <summary>The store quarantines persist in.</summary>
    public IQuarantineStore Store => _store;

    /// <summary>How often the store is re-read.</summary>
    public TimeSpan ReloadInterval { get; }

    /// <summary>How many deployments are quarantined now.</summary>
    public int Count => _active.Count;

    /// <inheritdoc/>
    public bool IsQuarantined(string deploymentId)
    {
        var active = _active;
        return active.Count != 0 && deploymentId is not null && active.ContainsKey(deploymentId);
    }

    /// <summary>The quarantine in force for the deployment, if any (as last read).</summary>
    public QuarantineEntry? Find(string deploymentId)
    {
        ArgumentNullException.ThrowIfNull(deploymentId);
        return _active.TryGetValue(deploymentId, out var entry) ? entry : null;
    }

    /// <summary>Every quarantine in force, as last read, ordered by deployment id.</summary>
    public IReadOnlyList<QuarantineEntry> Active => _active.Values.OrderBy(e => e.DeploymentId, StringComparer.Ordinal).ToArray();

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<QuarantineEntry>> ListAsync(CancellationToken cancellationToken = default)
    {
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        var stored = await _store.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        lock (_sync)
        {
            return stored.Where(e => !_unpersisted.ContainsKey(e.DeploymentId))
                .Concat(_unpersisted.Values)
                .OrderBy(e => e.DeploymentId, StringComparer.Ordinal)
                .ToArray();
        }
    }

    /// <inheritdoc/>
    public async ValueTask<QuarantineEntry> QuarantineAsync(string deploymentId, string operatorName, string reason, CancellationToken cancellationToken = default)
    {
        CheckOperatorInput(deploymentId, operatorName, reason);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        QuarantineEntry stored;
        bool added;
        try
        {
            await RefreshCoreAsync(cancellationToken).ConfigureAwait(false);
            var entry = new QuarantineEntry
            {
                DeploymentId = deploymentId,
                QuarantinedAt = _time.GetUtcNow(),
                Reason = OperatorQuarantine,
                QuarantinedBy = operatorName,
                Note = reason,
            };
            stored = await _store.QuarantineAsync(entry, cancellationToken).ConfigureAwait(false);
            lock (_sync)
            {
                added = !_active.ContainsKey(deploymentId);
                _active = With(_active, stored);
            }
        }
        finally
        {
            _gate.Release();
        }

        if (added)
        {
            CountEvent("quarantined", stored.DeploymentId, null, null, stored.Reason);
            Log.QuarantinedByOperator(_logger, stored.DeploymentId);
            await AuditAsync(Event("quarantined", stored, observed: false)).ConfigureAwait(false);
        }

        return stored;
    }

    /// <inheritdoc/>
    public async ValueTask<bool> ClearAsync(string deploymentId, string operatorName, string reason, CancellationToken cancellationToken = default)
    {
        CheckOperatorInput(deploymentId, operatorName, reason);
        QuarantineEntry? cleared;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RefreshCoreAsync(cancellationToken).ConfigureAwait(false);
            QuarantineEntry? pending;
            lock (_sync)
            {
                _unpersisted.Remove(deploymentId, out pending);
            }

            if (pending is not null)
            {
                // Stored first, so the clear applies to the quarantine this process could not write earlier.
                await _store.QuarantineAsync(pending, cancellationToken).ConfigureAwait(false);
            }

            cleared = await _store.ClearAsync(deploymentId, operatorName, reason, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            lock (_sync)
            {
                _active = Without(_active, deploymentId);
            }
        }
        finally
        {
            _gate.Release();
        }

        if (cleared is null)
        {
            return false;
        }

        CountEvent("cleared", cleared.DeploymentId, null, null, cleared.Reason);
        Log.QuarantineCleared(_logger, cleared.DeploymentId);
        await AuditAsync(Event("cleared", cleared, observed: false)).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc/>
    public async ValueTask RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RefreshCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A served-region incident: quarantines the deployment in this process at once (before this returns its first
    /// await), then persists it, counts it, logs a warning and writes the quarantine record.
    /// </summary>
    internal async ValueTask ReportIncidentAsync(ProviderDeployment deployment, string servedRegion, Region? jurisdiction, string requestEventId)
    {
        var entry = new QuarantineEntry
        {
            DeploymentId = deployment.Id,
            QuarantinedAt = _time.GetUtcNow(),
            Reason = jurisdiction is null ? ServedRegionUnmapped : ServedOutsideRegions,
            QuarantinedBy = RouterActor,
            ReportedRegion = servedRegion,
            ReportedJurisdiction = jurisdiction?.Code ?? "unmapped",
            DeclaredRegions = string.Join("+", deployment.ProcessingRegions),
            AuditEventId = requestEventId,
        };
        bool added;
        lock (_sync)
        {
            added = !_active.ContainsKey(entry.DeploymentId);
            if (added)
            {
                _active = With(_active, entry);
                _unpersisted[entry.DeploymentId] = entry;
            }
        }

        // Another request found the same incident a moment earlier: one quarantine, one record.
        if (!added)
        {
            return;
        }

        CountEvent("quarantined", entry.DeploymentId, entry.ReportedRegion, entry.ReportedJurisdiction, entry.Reason);
        Log.Quarantined(_logger, entry.DeploymentId, entry.ReportedRegion!, entry.ReportedJurisdiction!, entry.DeclaredRegions!);
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var stored = await _store.QuarantineAsync(entry).ConfigureAwait(false);
            lock (_sync)
            {
                _unpersisted.Remove(entry.DeploymentId);
                if (_active.ContainsKey(entry.DeploymentId))
                {
                    _active = With(_active, stored);
                }
            }
        }
#pragma warning disable CA1031 // The quarantine holds in this process whatever the store does; the failure is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.QuarantineStoreFailed(_logger, ex.GetType().Name);
        }
        finally
        {
            _gate.Release();
        }

        await AuditAsync(Event("quarantined", entry, observed: false)).ConfigureAwait(false);
    }

    private void RefreshInBackground()
    {
        if (Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await RefreshAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A store that fails keeps the last known quarantines in force; logged.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.QuarantineStoreFailed(_logger, ex.GetType().Name);
            }
            finally
            {
                Volatile.Write(ref _refreshing, 0);
            }
        });
    }

    /// <summary>Reads the store; records quarantines and clears made by another process. Runs under the gate.</summary>
    private async ValueTask RefreshCoreAsync(CancellationToken cancellationToken)
    {
        var stored = await _store.ReadAllAsync(cancellationToken).ConfigureAwait(false);

        // Write again what an earlier failure left unwritten, unless the store has moved on.
        List<QuarantineEntry> retry;
        lock (_sync)
        {
            retry = [.. _unpersisted.Values];
        }

        foreach (var pending in retry)
        {
            try
            {
                await _store.QuarantineAsync(pending, cancellationToken).ConfigureAwait(false);
                lock (_sync)
                {
                    _unpersisted.Remove(pending.DeploymentId);
                }
            }
#pragma warning disable CA1031 // Still unwritten: it stays in force here and is tried again next time.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.QuarantineStoreFailed(_logger, ex.GetType().Name);
            }
        }

        if (retry.Count > 0)
        {
            stored = await _store.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        }

        var byId = stored.ToDictionary(e => e.DeploymentId, StringComparer.OrdinalIgnoreCase);
        List<AuditQuarantineEvent> events = [];
        lock (_sync)
        {
            var next = new Dictionary<string, QuarantineEntry>(StringComparer.OrdinalIgnoreCase);
            foreach (var e in stored.Where(e => e.IsActive))
            {
                next[e.DeploymentId] = e;
            }

            foreach (var (id, e) in _unpersisted)
            {
                next[id] = e;
            }

            foreach (var (id, old) in _active)
            {
                if (!next.ContainsKey(id))
                {
                    // Cleared elsewhere (the tool, another host).
                    var cleared = byId.TryGetValue(id, out var c) ? c : old with { ClearedAt = _time.GetUtcNow(), ClearedBy = "unknown", ClearReason = "removed from the store" };
                    events.Add(Event("cleared", cleared, observed: true));
                    CountEvent("cleared", id, null, null, old.Reason);
                    Log.QuarantineCleared(_logger, id);
                }
            }

            foreach (var (id, e) in next)
            {
                if (!_active.ContainsKey(id))
                {
                    // Quarantined elsewhere: this process stops sending to it too.
                    events.Add(Event("quarantined", e, observed: true));
                }
            }

            _active = next.Count == 0 ? None : next;
        }

        foreach (var e in events)
        {
            await AuditAsync(e).ConfigureAwait(false);
        }
    }

    private static IReadOnlyDictionary<string, QuarantineEntry> ToActive(IReadOnlyList<QuarantineEntry> entries)
    {
        var active = entries.Where(e => e.IsActive).ToDictionary(e => e.DeploymentId, StringComparer.OrdinalIgnoreCase);
        return active.Count == 0 ? None : active;
    }

    private static IReadOnlyDictionary<string, QuarantineEntry> With(IReadOnlyDictionary<string, QuarantineEntry> active, QuarantineEntry entry) =>
        new Dictionary<string, QuarantineEntry>(active, StringComparer.OrdinalIgnoreCase) { [entry.DeploymentId] = entry };

    private static IReadOnlyDictionary<string, QuarantineEntry> Without(IReadOnlyDictionary<string, QuarantineEntry> active, string id)
    {
        if (!active.ContainsKey(id))
        {
            return active;
        }

        var next = new Dictionary<string, QuarantineEntry>(active, StringComparer.OrdinalIgnoreCase);
        next.Remove(id);
        return next.Count == 0 ? None : next;
    }

    private static void CheckOperatorInput(string deploymentId, string operatorName, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deploymentId);
        ArgumentException.ThrowIfNullOrWhiteSpace(operatorName);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (IdentifierText.HasControlCharacters(deploymentId) || IdentifierText.HasControlCharacters(operatorName) || IdentifierText.HasControlCharacters(reason))
        {
            throw new ArgumentException("The deployment id, operator and reason must be plain text without control or invisible characters.");
        }

        if (operatorName.Length > 200 || reason.Length > MaxNoteLength)
        {
            throw new ArgumentException($"The operator name may have at most 200 characters and the reason at most {MaxNoteLength}.");
        }
    }

    private AuditQuarantineEvent Event(string action, QuarantineEntry e, bool observed) => new()
    {
        Action = action,
        DeploymentId = e.DeploymentId,
        Reason = e.Reason,
        By = action == "cleared" ? e.ClearedBy ?? "unknown" : e.QuarantinedBy,
        ReportedRegion = action == "quarantined" ? e.ReportedRegion : null,
        ReportedJurisdiction = action == "quarantined" ? e.ReportedJurisdiction : null,
        DeclaredRegions = action == "quarantined" ? e.DeclaredRegions : null,
        RequestEventId = action == "quarantined" ? e.AuditEventId : null,
        Note = action == "cleared" ? e.ClearReason : e.Note,
        Observed = observed ? true : null,
    };

    private async ValueTask AuditAsync(AuditQuarantineEvent quarantineEvent)
    {
        if (_audit is null || _audit.IsDiscarding)
        {
            return;
        }

        var record = new AuditRecord
        {
            EventId = "q" + Guid.NewGuid().ToString("N"),
            Timestamp = _time.GetUtcNow(),
            Kind = AuditRecord.QuarantineKind,
            Quarantine = quarantineEvent,
            WorkspaceId = string.Empty,
            Product = string.Empty,
            Purpose = string.Empty,
            Capability = string.Empty,
            Required = new AuditPromises { Region = string.Empty },
            Outcome = AuditOutcome.QuarantineEvent,
            OutcomeReason = quarantineEvent.Reason,
        };
        try
        {
            await _audit.AppendAsync(record).ConfigureAwait(false);
        }
        catch (AuditWriteException ex)
        {
            Log.AuditFailed(_logger, ex.SinkErrorType ?? ex.Failure.ToString(), false);
        }
    }

    private static void CountEvent(string action, string deploymentId, string? region, string? jurisdiction, string reason) =>
        AiComplianceTelemetry.Quarantines.Add(1,
            new KeyValuePair<string, object?>("aicompliance.deployment", deploymentId),
            new KeyValuePair<string, object?>("aicompliance.action", action),
            new KeyValuePair<string, object?>("aicompliance.served_region", region),
            new KeyValuePair<string, object?>("aicompliance.served_jurisdiction", jurisdiction),
            new KeyValuePair<string, object?>("aicompliance.reason", reason));

    /// <inheritdoc/>
    public void Dispose() => _timer?.Dispose();

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _timer?.DisposeAsync() ?? ValueTask.CompletedTask;
}
