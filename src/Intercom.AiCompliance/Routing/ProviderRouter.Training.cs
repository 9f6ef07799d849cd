using System.Collections.Concurrent;
using Intercom.AiCompliance.Telemetry;
using Intercom.AiCompliance.Training;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Routing;

public sealed partial class ProviderRouter
{
    /// <summary>The most training offers in flight at once; beyond it a sample is withheld, never queued without bound.</summary>
    internal const int MaxTrainingOffersInFlight = 256;

    private readonly ConcurrentDictionary<Task, byte> _trainingOffers = new();
    private int _trainingInFlight;

    /// <summary>Raised with the audit event id and the gate's decision once a training offer is decided (for tests).</summary>
    internal event Action<string, TrainingDecision>? TrainingDecided;

    /// <summary>
    /// Completes when every training offer started so far has been decided. Offers run after each request's audit record
    /// is stored, off the caller's path, each bounded by <see cref="ProviderRouterOptions.TrainingOfferTimeout"/>: await
    /// this before shutting down, or before counting what reached the training sink.
    /// </summary>
    public Task WaitForTrainingOffersAsync(CancellationToken cancellationToken = default) =>
        Task.WhenAll(_trainingOffers.Keys).WaitAsync(cancellationToken);

    /// <summary>
    /// Hands an answered, audited request to the training gate on the thread pool, under a token of its own bounded by
    /// <see cref="ProviderRouterOptions.TrainingOfferTimeout"/>: the caller neither waits for it nor can cancel it, and
    /// the gate re-reads consent at the moment of the offer.
    /// </summary>
    private void OfferForTraining(AiRequest request, WorkspaceComplianceProfile profile, AiOutput output, string eventId)
    {
        if (Interlocked.Increment(ref _trainingInFlight) > MaxTrainingOffersInFlight)
        {
            Interlocked.Decrement(ref _trainingInFlight);
            Decided(eventId, new TrainingDecision(false, null, "withheld-too-many-in-flight"));
            return;
        }

        var offer = Task.Run(async () =>
        {
            TrainingDecision decision;
            try
            {
                using var timeout = new CancellationTokenSource(_options.TrainingOfferTimeout, _time);
                decision = await _training!.OfferAsync(request, profile, output, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                decision = new TrainingDecision(false, null, "withheld-timed-out");
            }
#pragma warning disable CA1031 // Training is secondary to the answer, which is already returned: any failure withholds the sample.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                decision = new TrainingDecision(false, null, "withheld-" + ex.GetType().Name);
            }
            finally
            {
                Interlocked.Decrement(ref _trainingInFlight);
            }

            Decided(eventId, decision);
        });
        _trainingOffers.TryAdd(offer, 0);
        _ = offer.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(t, out _), _trainingOffers,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Decided(string eventId, TrainingDecision decision)
    {
        AiComplianceTelemetry.TrainingDecisions.Add(1, new KeyValuePair<string, object?>("aicompliance.outcome", decision.Outcome));
        Log.TrainingDecided(_logger, eventId, decision.Outcome, decision.Consent?.ToString() ?? "unknown");
        TrainingDecided?.Invoke(eventId, decision);
    }
}
