using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Privacy;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Routing;

public sealed partial class ProviderRouter
{
    private readonly PersonalDataDetector _redactionDetector;

    private static readonly RuleViolation RedactionTimedOut =
        new(RejectionReason.RedactionFailed, "egress-redaction", "the personal-data detector did not finish within Router:RedactionTimeout, so nothing was sent");

    private static readonly RuleViolation RedactionThrew =
        new(RejectionReason.RedactionFailed, "egress-redaction", "the personal-data detector failed, or the Input holds a part it cannot redact, so nothing was sent");

    /// <summary>
    /// Egress redaction, once per request before the first attempt (so every retry and failover sends the same redacted
    /// Input): under the workspace's (or product's) policy, personal data in the Input is replaced by typed placeholders.
    /// Fails closed: a detector that throws or does not finish within <see cref="ProviderRouterOptions.RedactionTimeout"/>
    /// refuses the request with <c>redaction-failed</c>, and nothing is sent. The mapping stays in <see cref="Run"/> only.
    /// </summary>
    private async ValueTask RedactAsync(Run run)
    {
        var policy = run.Profile!.RedactionFor(run.Request.Product);
        if (policy == RedactionPolicy.Off)
        {
            return;
        }

        run.Redaction = new AuditRedaction { Policy = policy.ToString() };
        var redactor = new EgressRedactor(_redactionDetector, new RecognitionContext(run.Profile.CustomerReferences, run.Request.ParticipantNames), policy);
        var payload = run.Payload;
        AiPayload redacted;
        try
        {
            // On the thread pool so the time bound holds even when the detector never returns; on timeout its result
            // (and the mapping it built) is dropped with the redactor.
            redacted = await Task.Run(() => redactor.Redact(payload), run.CallerToken)
                .WaitAsync(_options.RedactionTimeout < _options.TotalDeadline ? _options.RedactionTimeout : _options.TotalDeadline, _time, run.CallerToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (run.CallerToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Whatever the detector threw, the request is refused with a content-free reason; the exception (which may quote the text) is dropped.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            throw new RequestRefusedException([ex is TimeoutException ? RedactionTimedOut : RedactionThrew], run.EventId);
        }

        run.Payload = redacted;
        run.Redactor = redactor;
        run.Redaction = new AuditRedaction { Policy = policy.ToString(), Counts = redactor.Counts };
    }
}
