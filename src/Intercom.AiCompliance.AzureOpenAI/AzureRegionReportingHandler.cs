using Intercom.AiCompliance.Providers;

namespace Intercom.AiCompliance.AzureOpenAI;

/// <summary>
/// Reads Azure's <c>x-ms-region</c> response header (the region that processed the call) from every response, and reports
/// it, with its jurisdiction from <see cref="AzureRegions"/>, through <see cref="ServedRegionReport"/> to the router's
/// served-region check. On a stream it runs when the headers arrive, before the first update. A response without the
/// header reports nothing.
/// </summary>
internal sealed class AzureRegionReportingHandler : DelegatingHandler
{
    /// <summary>The header Azure OpenAI names the processing region in.</summary>
    public const string RegionHeader = "x-ms-region";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Headers.TryGetValues(RegionHeader, out var values) && values.FirstOrDefault() is { } region)
        {
            ServedRegionReport.Report(region, AzureRegions.JurisdictionOf(region));
        }

        return response;
    }
}
