using Intercom.AiCompliance.Privacy;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Training;

/// <summary>What the training gate did with one answered request.</summary>
/// <param name="Offered">Whether anonymised data reached the training sink.</param>
/// <param name="Consent">The consent that applied, with its rule.</param>
/// <param name="Outcome">A stable code: <c>offered</c>, <c>withheld-no-consent</c>, <c>withheld-consent-unavailable</c>, <c>withheld-anonymisation-failed</c>, <c>withheld-no-text</c>, <c>sink-failed</c>.</param>
public sealed record TrainingDecision(bool Offered, EffectiveConsent? Consent, string Outcome);

/// <summary>
/// Offers a request's Input and Output to the training sink only if the workspace's consent allows it at that moment,
/// and only after anonymisation. Fails closed: if anonymisation fails, nothing is offered.
/// </summary>
public sealed class TrainingGate
{
    private readonly ITrainingConsentLedger _ledger;
    private readonly ITrainingDataSink _sink;
    private readonly Anonymizer _anonymizer;
    private readonly TimeProvider _time;

    /// <summary>Creates the gate.</summary>
    public TrainingGate(ITrainingConsentLedger ledger, ITrainingDataSink sink, Anonymizer? anonymizer = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(sink);
        _ledger = ledger;
        _sink = sink;
        _anonymizer = anonymizer ?? new Anonymizer();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Decides, and offers when allowed. Never throws for a sink or anonymiser failure: the request already succeeded.</summary>
    public async ValueTask<TrainingDecision> OfferAsync(AiRequest request, WorkspaceComplianceProfile profile, AiOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(output);
        var consent = await ConsentAsync(profile, cancellationToken).ConfigureAwait(false);
        if (consent is null)
        {
            return new(false, null, "withheld-consent-unavailable");
        }

        if (!consent.AllowsTraining)
        {
            return new(false, consent, "withheld-no-consent");
        }

        string[] input;
        string[] answer;
        try
        {
            var context = new RecognitionContext(profile.CustomerReferences, request.ParticipantNames);
            input = request.Payload.Texts().Where(t => !string.IsNullOrEmpty(t)).Select(t => _anonymizer.Anonymize(t, context)).ToArray();
            answer = output.Texts().Where(t => !string.IsNullOrEmpty(t)).Select(t => _anonymizer.Anonymize(t, context)).ToArray();
        }
#pragma warning disable CA1031 // Any anonymisation failure must withhold the sample, whatever its type.
        catch (Exception)
#pragma warning restore CA1031
        {
            return new(false, consent, "withheld-anonymisation-failed");
        }

        if (input.Length == 0 && answer.Length == 0)
        {
            return new(false, consent, "withheld-no-text");
        }

        // Consent is checked again at the last moment: an opt-out requested while anonymising stops the offer.
        var recheck = await ConsentAsync(profile, cancellationToken).ConfigureAwait(false);
        if (recheck is null)
        {
            return new(false, consent, "withheld-consent-unavailable");
        }

        if (!recheck.AllowsTraining)
        {
            return new(false, recheck, "withheld-no-consent");
        }

        consent = recheck;
        try
        {
            await _sink.OfferAsync(new TrainingSample(profile.WorkspaceId, request.Product, request.Capability, input, answer, consent.At), cancellationToken).ConfigureAwait(false);
            return new(true, consent, "offered");
        }
#pragma warning disable CA1031 // Training is secondary to the answer: a sink failure is recorded, not thrown.
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            return new(false, consent, "sink-failed");
        }
    }

    /// <summary>
    /// The workspace's consent now, as the audit record states it: <see langword="null"/> when the ledger cannot answer
    /// (unknown means no). <see cref="OfferAsync"/> reads it again, twice, before anything is offered.
    /// </summary>
    public ValueTask<EffectiveConsent?> CurrentConsentAsync(WorkspaceComplianceProfile profile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return ConsentAsync(profile, cancellationToken);
    }

    /// <summary>The workspace's consent, or <see langword="null"/> when the ledger cannot answer: unknown means no.</summary>
    private async ValueTask<EffectiveConsent?> ConsentAsync(WorkspaceComplianceProfile profile, CancellationToken cancellationToken)
    {
        try
        {
            return await _ledger.GetEffectiveAsync(profile, cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failing ledger must withhold the sample, whatever the failure.
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            return null;
        }
    }
}
