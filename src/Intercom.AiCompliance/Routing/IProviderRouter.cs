using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Routing;

/// <summary>
/// The one door every AI call of the platform goes through: decides where a workspace's Input may go, then sends it
/// there (and nowhere else), and records what happened.
/// </summary>
public interface IProviderRouter
{
    /// <summary>What-if: the plan for <paramref name="request"/> under <paramref name="profile"/> now. Pure; no I/O, no call.</summary>
    RoutingPlan Plan(AiRequest request, WorkspaceComplianceProfile profile);

    /// <summary>What-if: the plan for <paramref name="request"/>, with the profile looked up in the store. No provider is called.</summary>
    ValueTask<RoutingPlan> PlanAsync(AiRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends <paramref name="request"/> to the best compliant deployment, failing over only inside the plan, and records
    /// exactly one audit record whatever happens.
    /// </summary>
    /// <remarks>
    /// Once an attempt has succeeded the request has succeeded: a caller that cancels after that still gets the
    /// response, and the record names the deployment that served. Exceptions never carry request content, and never
    /// a client's exception: a failed attempt is described by <see cref="AttemptFailure"/>.
    /// </remarks>
    /// <exception cref="RequestRefusedException">The request itself was refused; nothing was sent.</exception>
    /// <exception cref="NoCompliantRouteException">No deployment keeps every promise; nothing was sent.</exception>
    /// <exception cref="ProviderRefusalException">A provider refused the content; it was not sent elsewhere.</exception>
    /// <exception cref="AllCandidatesFailedException">Every candidate failed, the deadline passed, or a permanent error stopped the request.</exception>
    /// <exception cref="OperationCanceledException">The caller cancelled before any attempt succeeded.</exception>
    /// <exception cref="Audit.AuditWriteException">
    /// The audit record could not be stored and the router fails closed; for a refused or failed request, the refusal or
    /// failure is the inner exception.
    /// </exception>
    Task<AiResponse> SendAsync(AiRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams a chat answer from the best compliant deployment: failover inside the plan only until the first update
    /// has reached the caller, never after; exactly one audit record when the stream ends, however it ends.
    /// </summary>
    /// <exception cref="StreamInterruptedException">The stream failed after its first update; it was not failed over.</exception>
    IAsyncEnumerable<Microsoft.Extensions.AI.ChatResponseUpdate> SendStreamingAsync(AiRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams a transcript (the payload is a <see cref="TranscriptionPayload"/>) from the best compliant deployment's own
    /// streaming method, with the rules of <see cref="SendStreamingAsync"/>. <see cref="ProviderRouter"/> streams; this
    /// default, for other implementations, routes one call with <see cref="SendAsync"/> and hands its transcript out as updates.
    /// </summary>
    /// <exception cref="StreamInterruptedException">The stream failed after its first update; it was not failed over.</exception>
    IAsyncEnumerable<Microsoft.Extensions.AI.SpeechToTextResponseUpdate> SendStreamingTranscriptionAsync(AiRequest request, CancellationToken cancellationToken = default) =>
        OneCallAsUpdates(this, request, static (response, output) =>
            new Microsoft.Extensions.AI.SpeechToTextResponse(((TranscriptOutput)output).Text) { ModelId = response.ServedBy.Model, Usage = output.Usage }.ToSpeechToTextResponseUpdates(),
            cancellationToken);

    /// <summary>
    /// Streams synthesised speech (the payload is a <see cref="SpeechSynthesisPayload"/>) from the best compliant
    /// deployment's own streaming method, with the rules of <see cref="SendStreamingAsync"/>. <see cref="ProviderRouter"/>
    /// streams; this default, for other implementations, routes one call and hands its audio out as updates.
    /// </summary>
    /// <exception cref="StreamInterruptedException">The stream failed after its first update; it was not failed over.</exception>
    IAsyncEnumerable<Microsoft.Extensions.AI.TextToSpeechResponseUpdate> SendStreamingSpeechAsync(AiRequest request, CancellationToken cancellationToken = default) =>
        OneCallAsUpdates(this, request, static (response, output) =>
            new Microsoft.Extensions.AI.TextToSpeechResponse([new Microsoft.Extensions.AI.DataContent(((SpeechOutput)output).Audio, ((SpeechOutput)output).MediaType)])
            {
                ModelId = response.ServedBy.Model,
                Usage = output.Usage,
            }.ToTextToSpeechResponseUpdates(),
            cancellationToken);

    private static async IAsyncEnumerable<TUpdate> OneCallAsUpdates<TUpdate>(IProviderRouter router, AiRequest request, Func<AiResponse, AiOutput, IEnumerable<TUpdate>> updates,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var response = await router.SendAsync(request, cancellationToken).ConfigureAwait(false);
        foreach (var update in updates(response, response.Output))
        {
            yield return update;
        }
    }
}
