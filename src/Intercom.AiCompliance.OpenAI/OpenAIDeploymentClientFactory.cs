using System.ClientModel;
using System.ClientModel.Primitives;
using Intercom.AiCompliance.Catalog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using global::OpenAI;

namespace Intercom.AiCompliance.OpenAI;

/// <summary>Builds the OpenAI SDK client of one deployment: its endpoint, its key, its named HttpClient, no SDK retries.</summary>
internal static class OpenAIDeploymentClientFactory
{
    /// <summary>The prefix of the named HttpClient of each deployment; the deployment id follows.</summary>
    public const string HttpClientNamePrefix = "Intercom.AiCompliance.OpenAI:";

    public static OpenAIClient Create(IServiceProvider services, ProviderDeployment deployment)
    {
        var options = services.GetRequiredService<IOptions<OpenAIProviderOptions>>().Value;
        var key = options.ApiKeyProvider?.Invoke(services, deployment);
        if (string.IsNullOrWhiteSpace(key))
        {
            key = options.ApiKey;
        }

        if (string.IsNullOrWhiteSpace(key))
        {
            throw new InvalidOperationException(
                $"OpenAI deployment '{deployment.Id}' has no API key: set AiComplianceOpenAI:ApiKey, or OpenAIProviderOptions.ApiKey or ApiKeyProvider in AddOpenAIClients.");
        }

        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientNamePrefix + deployment.Id);
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = EndpointOf(deployment),
            // The router retries and fails over, inside the compliant set only; the SDK must not retry on its own.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            Transport = new HttpClientPipelineTransport(http),
            NetworkTimeout = options.NetworkTimeout,
            OrganizationId = string.IsNullOrWhiteSpace(options.OrganizationId) ? null : options.OrganizationId,
            ProjectId = string.IsNullOrWhiteSpace(options.ProjectId) ? null : options.ProjectId,
            // The SDK's own logs go to the host's loggers with headers redacted (Authorization is never allowed) and
            // without message bodies, which hold prompts and answers.
            ClientLoggingOptions = new ClientLoggingOptions
            {
                LoggerFactory = services.GetService<ILoggerFactory>(),
                EnableMessageContentLogging = false,
            },
        };
        return new OpenAIClient(new ApiKeyCredential(key), clientOptions);
    }

    /// <summary>
    /// The deployment's endpoint as the SDK's base address: <c>https://eu.api.openai.com</c> and
    /// <c>https://eu.api.openai.com/v1</c> both mean <c>https://eu.api.openai.com/v1</c>; any other path is kept.
    /// </summary>
    public static Uri EndpointOf(ProviderDeployment deployment)
    {
        if (!Uri.TryCreate(deployment.Endpoint, UriKind.Absolute, out var uri))
        {
            throw new InvalidOperationException($"OpenAI deployment '{deployment.Id}' has no absolute endpoint.");
        }

        var path = uri.AbsolutePath.TrimEnd('/');
        return new UriBuilder(uri) { Path = path.Length == 0 ? "/v1" : path }.Uri;
    }
}
