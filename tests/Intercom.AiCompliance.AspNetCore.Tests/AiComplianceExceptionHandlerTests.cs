using System.Net;
using System.Text.Json;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Workspaces;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.AspNetCore.Tests;

[CancelAfter(60_000)]
public class AiComplianceExceptionHandlerTests
{
    private static async Task<(HttpResponseMessage Response, string Body, JsonElement Json)> Read(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        using var doc = JsonDocument.Parse(body);
        return (response, body, doc.RootElement.Clone());
    }

    private static void ShouldBeProblem((HttpResponseMessage Response, string Body, JsonElement Json) r, HttpStatusCode status, string typeCode, params string[] reasonCodes)
    {
        r.Response.StatusCode.Should().Be(status);
        r.Response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        r.Json.GetProperty("type").GetString().Should().Be(AiComplianceProblemTypes.BaseUri + typeCode);
        r.Json.GetProperty("status").GetInt32().Should().Be((int)status);
        r.Json.GetProperty("reasonCodes").EnumerateArray().Select(e => e.GetString()).Should().Contain(reasonCodes);
        r.Json.GetProperty("auditEventId").GetString().Should().NotBeNullOrWhiteSpace();
        r.Body.Should().NotContain(TestApp.ContentMarker, "a problem response never carries the request's content");
    }

    [Test]
    public async Task TryHandleAsync_UnknownWorkspace_Is404WithItsTypeAndNoContent()
    {
        await using var app = await TestApp.StartAsync();
        var r = await Read(await app.ChatAsync("ws-nobody", "Hello " + TestApp.ContentMarker));
        ShouldBeProblem(r, HttpStatusCode.NotFound, RejectionReasonCodes.WorkspaceUnknown, RejectionReasonCodes.WorkspaceUnknown);
    }

    [Test]
    public async Task TryHandleAsync_InputTooLarge_Is413()
    {
        await using var app = await TestApp.StartAsync();
        var r = await Read(await app.ChatAsync("ws-us", TestApp.ContentMarker + new string('x', 600)));
        ShouldBeProblem(r, HttpStatusCode.RequestEntityTooLarge, RejectionReasonCodes.InputTooLarge, RejectionReasonCodes.InputTooLarge);
    }

    [Test]
    public async Task TryHandleAsync_PurposeNotCleared_Is403WithTheRuleCode()
    {
        await using var app = await TestApp.StartAsync();
        var r = await Read(await app.ChatAsync("ws-us", "Rate this agent " + TestApp.ContentMarker, Purpose.EvaluatingIndividualWorker));
        ShouldBeProblem(r, HttpStatusCode.Forbidden, RejectionReasonCodes.PurposeNotCleared, RejectionReasonCodes.PurposeNotCleared);
    }

    [Test]
    public async Task TryHandleAsync_NoCompliantRoute_Is422WithTheExclusionCodes()
    {
        await using var app = await TestApp.StartAsync(withContracts: false);
        var r = await Read(await app.ChatAsync("ws-us", "Hello " + TestApp.ContentMarker));
        ShouldBeProblem(r, HttpStatusCode.UnprocessableEntity, RejectionReasonCodes.NoCompliantRoute,
            RejectionReasonCodes.NoCompliantRoute, RejectionReasonCodes.NoZeroDataRetention);
    }

    [Test]
    public async Task TryHandleAsync_ProviderRefusal_Is422()
    {
        await using var app = await TestApp.StartAsync(simulate: s => Faults(s, ProviderFailureKind.ContentPolicyRefusal));
        var r = await Read(await app.ChatAsync("ws-us", "Hello " + TestApp.ContentMarker));
        ShouldBeProblem(r, HttpStatusCode.UnprocessableEntity, RejectionReasonCodes.ProviderRefusal, RejectionReasonCodes.ProviderRefusal);
    }

    [Test]
    public async Task TryHandleAsync_PermanentProviderError_Is502()
    {
        await using var app = await TestApp.StartAsync(simulate: s => Faults(s, ProviderFailureKind.BadRequest));
        var r = await Read(await app.ChatAsync("ws-us", "Hello " + TestApp.ContentMarker));
        ShouldBeProblem(r, HttpStatusCode.BadGateway, RejectionReasonCodes.PermanentProviderError, RejectionReasonCodes.PermanentProviderError);
    }

    [Test]
    public async Task TryHandleAsync_TotalDeadlinePassed_Is504()
    {
        // Every simulated call hangs far longer than the attempt timeout, so the walk runs into the total deadline.
        await using var app = await TestApp.StartAsync(
            simulate: s =>
            {
                s.LatencyRate = 1;
                s.Latency = TimeSpan.FromSeconds(30);
            },
            extra: [("AiCompliance:Router:AttemptTimeout", "00:00:00.2"), ("AiCompliance:Router:TotalDeadline", "00:00:00.5")]);
        var r = await Read(await app.ChatAsync("ws-us", "Hello " + TestApp.ContentMarker));
        ShouldBeProblem(r, HttpStatusCode.GatewayTimeout, RejectionReasonCodes.DeadlineExceeded, RejectionReasonCodes.DeadlineExceeded);
    }

    [Test]
    public async Task TryHandleAsync_EveryCandidateFailed_Is503WithRetryAfter()
    {
        await using var app = await TestApp.StartAsync(simulate: s => Faults(s, ProviderFailureKind.ServerError));
        var r = await Read(await app.ChatAsync("ws-us", "Hello " + TestApp.ContentMarker));
        ShouldBeProblem(r, HttpStatusCode.ServiceUnavailable, RejectionReasonCodes.CandidatesExhausted, RejectionReasonCodes.CandidatesExhausted);
        r.Response.Headers.RetryAfter.Should().NotBeNull();
        r.Response.Headers.RetryAfter!.Delta.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));
    }

    [Test]
    public async Task TryHandleAsync_AuditWriteFailed_Is503WithTheFailureKind()
    {
        var handler = new AiComplianceExceptionHandler(Options.Create(new AiComplianceProblemDetailsOptions { DefaultRetryAfter = TimeSpan.FromSeconds(7) }));
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        var handled = await handler.TryHandleAsync(context, new AuditWriteException("sink failed", AuditWriteFailure.SinkFailed), CancellationToken.None);

        handled.Should().BeTrue();
        context.Response.StatusCode.Should().Be(503);
        context.Response.Headers.RetryAfter.ToString().Should().Be("7");
        context.Response.Body.Position = 0;
        using var doc = await JsonDocument.ParseAsync(context.Response.Body);
        doc.RootElement.GetProperty("type").GetString().Should().Be(AiComplianceProblemTypes.BaseUri + AiComplianceProblemTypes.AuditWriteFailedCode);
        doc.RootElement.GetProperty("auditFailure").GetString().Should().Be(nameof(AuditWriteFailure.SinkFailed));
    }

    [Test]
    public async Task TryHandleAsync_OtherException_IsLeftToTheNextHandlerAndItsMessageNotCopied()
    {
        await using var app = await TestApp.StartAsync();
        var response = await app.Client.GetAsync(new Uri("/boom", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        body.Should().NotContain(TestApp.ContentMarker).And.NotContain(AiComplianceProblemTypes.BaseUri);
    }

    [Test]
    public void ReasonCodes_EqualTheCoreReasonProperties()
    {
        RejectionReasonCodes.WorkspaceUnknown.Should().Be(RejectionReason.WorkspaceUnknown.Code);
        RejectionReasonCodes.InputTooLarge.Should().Be(RejectionReason.InputTooLarge.Code);
        RejectionReasonCodes.PurposeNotCleared.Should().Be(RejectionReason.PurposeNotCleared.Code);
        RejectionReasonCodes.DeadlineExceeded.Should().Be(Routing.AllCandidatesFailedException.DeadlineExceeded.Code);
        RejectionReasonCodes.CandidatesExhausted.Should().Be(Routing.AllCandidatesFailedException.CandidatesExhausted.Code);
        RejectionReasonCodes.PermanentProviderError.Should().Be(Routing.AllCandidatesFailedException.PermanentError.Code);
        RejectionReasonCodes.StreamIdleTimeout.Should().Be(Routing.StreamInterruptedException.IdleTimeout.Code);
        RejectionReasonCodes.StreamDeadlineExceeded.Should().Be(Routing.StreamInterruptedException.DeadlineExceeded.Code);
        RejectionReasonCodes.StreamProviderFailed.Should().Be(Routing.StreamInterruptedException.ProviderFailed.Code);
    }

    private static void Faults(Providers.Simulated.SimulationOptions s, ProviderFailureKind kind)
    {
        s.FaultRate = 1;
        s.FaultMix.Clear();
        s.FaultMix[kind] = 1;
    }
}
