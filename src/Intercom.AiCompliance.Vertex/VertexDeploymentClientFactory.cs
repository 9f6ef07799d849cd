using Intercom.AiCompliance.Catalog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.Vertex;

/// <summary>Builds the clients of one Vertex AI deployment: its endpoint, the shared token cache, its named HttpClient.</summary>
internal static class VertexDeploymentClientFactory
{
    /// <summary>The prefix of the named HttpClient of each deployment; the deployment id follows.</summary>
    public const string HttpClientNamePrefix = "Intercom.AiCompliance.Vertex:";

    public static VertexChatClient Chat(IServiceProvider services, ProviderDeployment deployment)
    {
        var (endpoint, http) = Create(services, deployment);
        return new VertexChatClient(endpoint, http, deployment.Model);
    }

    public static VertexEmbeddingGenerator Embeddings(IServiceProvider services, ProviderDeployment deployment)
    {
        var (endpoint, http) = Create(services, deployment);
        return new VertexEmbeddingGenerator(endpoint, http, deployment.Model);
    }

    private static (VertexEndpoint, VertexHttp) Create(IServiceProvider services, ProviderDeployment deployment)
    {
        var options = services.GetRequiredService<IOptions<VertexProviderOptions>>().Value;
        var endpoint = VertexEndpoint.For(deployment, options.ProjectId, options.NonGoogleEndpointLocation);
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientNamePrefix + deployment.Id);
        client.Timeout = options.NetworkTimeout;
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        return (endpoint, new VertexHttp(client, services.GetRequiredService<CachedVertexAccessTokenSource>(), time));
    }
}

/// <summary>Rejects options that cannot work, naming the configuration key.</summary>
internal sealed class VertexProviderOptionsValidator : IValidateOptions<VertexProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, VertexProviderOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ProjectId))
        {
            errors.Add("AiComplianceVertex:ProjectId is missing: name the Google Cloud project that owns the Vertex AI calls.");
        }
        else if (!options.ProjectId.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.' or ':'))
        {
            errors.Add("AiComplianceVertex:ProjectId is not a Google Cloud project id (lower-case letters, digits and '-').");
        }

        if (options.TokenRefreshMargin < TimeSpan.Zero || options.TokenRefreshMargin >= TimeSpan.FromMinutes(55))
        {
            errors.Add("AiComplianceVertex:TokenRefreshMargin must be at least 0 and less than 55 minutes (Google's access tokens last an hour).");
        }

        if (options.NetworkTimeout <= TimeSpan.Zero)
        {
            errors.Add("AiComplianceVertex:NetworkTimeout must be positive.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>The package's named HttpClients log no header value (the bearer token is one) at any level.</summary>
internal sealed class VertexHttpClientLogging : IConfigureNamedOptions<Microsoft.Extensions.Http.HttpClientFactoryOptions>
{
    public void Configure(string? name, Microsoft.Extensions.Http.HttpClientFactoryOptions options)
    {
        if (name is not null && name.StartsWith(VertexDeploymentClientFactory.HttpClientNamePrefix, StringComparison.Ordinal))
        {
            options.ShouldRedactHeaderValue = _ => true;
        }
    }

    public void Configure(Microsoft.Extensions.Http.HttpClientFactoryOptions options) => Configure(Options.DefaultName, options);
}
