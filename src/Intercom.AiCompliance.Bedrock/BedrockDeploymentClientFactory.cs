using Intercom.AiCompliance.Catalog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.Bedrock;

/// <summary>Builds the transport of one deployment: its endpoint and region, its credentials, its named HttpClient.</summary>
internal static class BedrockDeploymentClientFactory
{
    /// <summary>The prefix of the named HttpClient of each deployment; the deployment id follows.</summary>
    public const string HttpClientNamePrefix = "Intercom.AiCompliance.Bedrock:";

    public static BedrockTransport Create(IServiceProvider services, ProviderDeployment deployment)
    {
        var options = services.GetRequiredService<IOptions<BedrockProviderOptions>>().Value;
        var endpoint = BedrockEndpoint.For(deployment, options);
        var credentials = BedrockCredentialSource.For(options, options.CredentialsProvider?.Invoke(services, deployment), deployment.Id);
        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientNamePrefix + deployment.Id);
        // The transport bounds each call with NetworkTimeout itself, so the HttpClient's own timeout must not cut a long stream.
        http.Timeout = Timeout.InfiniteTimeSpan;
        return new BedrockTransport(http, endpoint, credentials, services.GetService<TimeProvider>() ?? TimeProvider.System, options);
    }
}
