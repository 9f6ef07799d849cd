using System.ClientModel;
using System.ClientModel.Primitives;
using Intercom.AiCompliance.Catalog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using global::OpenAI;

namespace Intercom.AiCompliance.AzureOpenAI;

/// <summary>
/// Builds the OpenAI SDK client of one Azure OpenAI deployment: Azure's v1 endpoint of its resource
/// (<c>https://{resource}.openai.azure.com/openai/v1</c>), the <c>api-key</c> header or an Entra ID bearer token, its named
/// HttpClient (which reports <c>x-ms-region</c>), no SDK retries.
/// </summary>
internal static class AzureOpenAIDeploymentClientFactory
{
    /// <summary>The prefix of the named HttpClient of each deployment; the deployment id follows.</summary>
    public const string HttpClientNamePrefix = "Intercom.AiCompliance.AzureOpenAI:";

    /// <summary>The header Azure reads an API key from.</summary>
    public const string ApiKeyHeader = "api-key";

    public static OpenAIClient Create(IServiceProvider services, ProviderDeployment deployment)
    {
        var options = services.GetRequiredService<IOptions<AzureOpenAIProviderOptions>>().Value;
        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientNamePrefix + deployment.Id);
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = EndpointOf(deployment),
            // The router retries and fails over, inside the compliant set only; the SDK must not retry on its own.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            Transport = new HttpClientPipelineTransport(http),
            NetworkTimeout = options.NetworkTimeout,
            // The SDK's own logs go to the host's loggers with headers redacted (api-key and Authorization are never
            // allowed) and without message bodies, which hold prompts and answers.
            ClientLoggingOptions = new ClientLoggingOptions
            {
                LoggerFactory = services.GetService<ILoggerFactory>(),
                EnableMessageContentLogging = false,
            },
        };

#pragma warning disable OPENAI001 // The SDK's constructor taking an authentication policy is the one way to send Azure's api-key header or an Entra ID token; it is marked for evaluation.
        return new OpenAIClient(AuthenticationOf(services, options, deployment), clientOptions);
#pragma warning restore OPENAI001
    }

    /// <summary>The deployment's key (<see cref="AzureOpenAIProviderOptions.ApiKeyProvider"/>), else Entra ID, else the shared key.</summary>
    private static AuthenticationPolicy AuthenticationOf(IServiceProvider services, AzureOpenAIProviderOptions options, ProviderDeployment deployment)
    {
        var key = options.ApiKeyProvider?.Invoke(services, deployment);
        if (string.IsNullOrWhiteSpace(key) && options.Credential is { } credential)
        {
            if (string.IsNullOrWhiteSpace(options.TokenScope))
            {
                throw new InvalidOperationException($"Azure OpenAI deployment '{deployment.Id}' uses Entra ID, but AiComplianceAzureOpenAI:TokenScope is empty: leave it at {AzureOpenAIProviderOptions.DefaultTokenScope}.");
            }

            return new BearerTokenPolicy(credential, options.TokenScope);
        }

        if (string.IsNullOrWhiteSpace(key))
        {
            key = options.ApiKey;
        }

        return string.IsNullOrWhiteSpace(key)
            ? throw new InvalidOperationException(
                $"Azure OpenAI deployment '{deployment.Id}' has no credential: set AzureOpenAIProviderOptions.Credential (Entra ID), or an API key with AiComplianceAzureOpenAI:ApiKey or ApiKeyProvider in AddAzureOpenAIClients.")
            : ApiKeyAuthenticationPolicy.CreateHeaderApiKeyPolicy(new ApiKeyCredential(key), ApiKeyHeader);
    }

    /// <summary>
    /// Azure's v1 API of the deployment's resource: <c>https://contoso.openai.azure.com</c> and
    /// <c>https://contoso.openai.azure.com/openai/v1</c> both mean <c>https://contoso.openai.azure.com/openai/v1</c>; any other
    /// path gets <c>/openai/v1</c> appended (a gateway in front of the resource).
    /// </summary>
    public static Uri EndpointOf(ProviderDeployment deployment)
    {
        if (!Uri.TryCreate(deployment.Endpoint, UriKind.Absolute, out var uri))
        {
            throw new InvalidOperationException($"Azure OpenAI deployment '{deployment.Id}' has no absolute endpoint.");
        }

        var path = uri.AbsolutePath.TrimEnd('/');
        return new UriBuilder(uri) { Path = path.EndsWith("/openai/v1", StringComparison.OrdinalIgnoreCase) ? path : path + "/openai/v1" }.Uri;
    }

    /// <summary>Adds the <c>x-ms-region</c> reporter to every deployment's named HttpClient, outermost, so it sees each response.</summary>
    internal sealed class RegionReporting : IConfigureNamedOptions<HttpClientFactoryOptions>
    {
        public void Configure(string? name, HttpClientFactoryOptions options)
        {
            if (name is not null && name.StartsWith(HttpClientNamePrefix, StringComparison.Ordinal))
            {
                options.HttpMessageHandlerBuilderActions.Insert(0, b => b.AdditionalHandlers.Insert(0, new AzureRegionReportingHandler()));
            }
        }

        public void Configure(HttpClientFactoryOptions options) => Configure(Options.DefaultName, options);
    }
}
