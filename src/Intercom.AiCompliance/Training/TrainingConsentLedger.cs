using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Training;

/// <summary>
/// The consent ledger over an append-only <see cref="IConsentEventStore"/> (in memory by default; a database store
/// can be plugged in). Stricter than the published promise on purpose: capture stops when an opt-out is requested,
/// not when it is granted.
/// </summary>
public sealed class TrainingConsentLedger : ITrainingConsentLedger
{
    /// <summary>The promise: opt-out requests are processed within 30 days.</summary>
    public static readonly TimeSpan ProcessingPeriod = TimeSpan.FromDays(30);

    private readonly IConsentEventStore _store;
    private readonly TimeProvider _time;

    /// <summary>Creates a ledger over <paramref name="store"/> (default: in memory).</summary>
    public TrainingConsentLedger(IConsentEventStore? store = null, TimeProvider? timeProvider = null)
    {
        _store = store ?? new InMemoryConsentEventStore();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public async ValueTask<PendingOptOut> RequestOptOutAsync(string workspaceId, string? reference = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workspaceId);
        var e = await _store.AppendAsync(new ConsentEvent(workspaceId, ConsentEventKind.OptOutRequested, _time.GetUtcNow(), reference), cancellationToken).ConfigureAwait(false);
        return new PendingOptOut(workspaceId, e.At, e.At + ProcessingPeriod, reference);
    }

    /// <inheritdoc/>
    public async ValueTask<ConsentEvent> GrantOptOutAsync(string workspaceId, string? reference = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workspaceId);
        var history = await _store.ReadAsync(workspaceId, cancellationToken).ConfigureAwait(false);
        if (Pending(history) is null)
        {
            throw new InvalidOperationException($"Workspace has no pending opt-out request to grant: record the request first (RequestOptOutAsync).");
        }

        return await _store.AppendAsync(new ConsentEvent(workspaceId, ConsentEventKind.OptOutGranted, _time.GetUtcNow(), reference), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask<ConsentEvent> OptInAsync(string workspaceId, string? reference = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workspaceId);
        return _store.AppendAsync(new ConsentEvent(workspaceId, ConsentEventKind.OptedIn, _time.GetUtcNow(), reference), cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask<EffectiveConsent> GetEffectiveAsync(WorkspaceComplianceProfile profile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var history = await _store.ReadAsync(profile.WorkspaceId, cancellationToken).ConfigureAwait(false);
        return Evaluate(profile, history, _time.GetUtcNow());
    }

    /// <summary>The effective consent for <paramref name="profile"/> given its <paramref name="history"/> at <paramref name="now"/>. Pure.</summary>
    public static EffectiveConsent Evaluate(WorkspaceComplianceProfile profile, IReadOnlyList<ConsentEvent> history, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(history);

        // Only events recorded by now count; the latest one decides.
        var latest = history.Where(e => e.At <= now).OrderBy(e => e.At).ThenBy(e => e.Sequence).LastOrDefault();
        switch (latest?.Kind)
        {
            case ConsentEventKind.OptedIn:
                return new(profile.WorkspaceId, ConsentState.OptedIn, ConsentRule.ExplicitOptIn, now, null, history);
            case ConsentEventKind.OptOutRequested:
                return new(profile.WorkspaceId, ConsentState.OptOutPending, ConsentRule.OptOutRequested, now, Pending(history.Where(e => e.At <= now).ToArray())?.DueBy, history);
            case ConsentEventKind.OptOutGranted:
                return new(profile.WorkspaceId, ConsentState.OptedOut, ConsentRule.OptOutGranted, now, null, history);
        }

        ConsentRule? defaultOut = profile.ContractType switch
        {
            ContractType.Mssa => ConsentRule.DefaultMssa,
            ContractType.Trial => ConsentRule.DefaultTrial,
            ContractType.Standard => null,
            _ => ConsentRule.DefaultUnknownContract,
        };
        defaultOut ??= profile.HandlesHealthData ? ConsentRule.DefaultBaa : null;
        defaultOut ??= profile.HostingRegion != Region.US ? ConsentRule.DefaultRegionalHosting : null;
        return defaultOut is { } rule
            ? new(profile.WorkspaceId, ConsentState.OptedOut, rule, now, null, history)
            : new(profile.WorkspaceId, ConsentState.OptedIn, ConsentRule.StandardDefault, now, null, history);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<PendingOptOut>> DueWithinAsync(TimeSpan window, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        return (await AllPendingAsync(cancellationToken).ConfigureAwait(false))
            .Where(p => !p.IsOverdueAt(now) && p.DueBy - now <= window)
            .OrderBy(p => p.DueBy).ToArray();
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<PendingOptOut>> OverdueAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        return (await AllPendingAsync(cancellationToken).ConfigureAwait(false))
            .Where(p => p.IsOverdueAt(now))
            .OrderBy(p => p.DueBy).ToArray();
    }

    private async ValueTask<List<PendingOptOut>> AllPendingAsync(CancellationToken cancellationToken)
    {
        var all = await _store.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        return all.GroupBy(e => e.WorkspaceId, StringComparer.Ordinal)
            .Select(g => Pending(g.ToArray()))
            .OfType<PendingOptOut>()
            .ToList();
    }

    private static PendingOptOut? Pending(IReadOnlyList<ConsentEvent> history)
    {
        // The request that opened the current pending period: the first request after the last grant or opt-in.
        ConsentEvent? open = null;
        foreach (var e in history.OrderBy(e => e.At).ThenBy(e => e.Sequence))
        {
            open = e.Kind switch
            {
                ConsentEventKind.OptOutRequested => open ?? e,
                _ => null,
            };
        }

        return open is null ? null : new PendingOptOut(open.WorkspaceId, open.At, open.At + ProcessingPeriod, open.Reference);
    }
}
