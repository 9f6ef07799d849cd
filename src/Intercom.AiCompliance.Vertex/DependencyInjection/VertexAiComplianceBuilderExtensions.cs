using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.Vertex;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Serves every <see cref="ProviderKind.GoogleVertex"/> deployment of the catalogue with the package's own Vertex AI clients.</summary>
public static class VertexAiComplianceBuilderExtensions
{
    /// <summary>The configuration section <see cref="AddVertexClients(AiComplianceBuilder, IConfiguration, Action{VertexProviderOptions})"/> is normally given: <c>AiComplianceVertex</c>.</summary>
    /// <remarks>A top-level section of its own: the core reads <c>AiCompliance</c> strictly and refuses every key its options do not declare.</remarks>
    public const string SectionName = "AiComplianceVertex";

    /// <summary>
    /// Serves chat (Gemini <c>generateContent</c> and <c>streamGenerateContent?alt=sse</c>) and embeddings (<c>:predict</c>) of
    /// every Vertex AI deployment, each capability it declares, at the deployment's endpoint
    /// (<c>https://{location}-aiplatform.googleapis.com</c>), with OAuth2 access tokens from <c>Google.Apis.Auth</c> (or the
    /// <see cref="IVertexAccessTokenSource"/> the host registered), cached until shortly before they expire.
    /// </summary>
    /// <remarks>
    /// There are no retries here: the router's policies retry and fail over, never leaving the compliant set. HTTP goes through
    /// <see cref="IHttpClientFactory"/>, one named client per deployment (<see cref="HttpClientName"/>), whose logs redact every
    /// header value. Options that cannot work stop the host's start with a message naming the configuration key.
    /// </remarks>
    /// <param name="builder">The builder from <c>AddAiCompliance</c>.</param>
    /// <param name="configure">Sets the project and, optionally, the service account key and timeouts.</param>
    public static AiComplianceBuilder AddVertexClients(this AiComplianceBuilder builder, Action<VertexProviderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<VertexProviderOptions>().Configure(configure).ValidateOnStart();
        return Register(builder);
    }

    /// <summary>
    /// Serves every Vertex AI deployment as <see cref="AddVertexClients(AiComplianceBuilder, Action{VertexProviderOptions})"/>
    /// does, with the options bound strictly from <paramref name="section"/> (normally <c>configuration.GetSection("AiComplianceVertex")</c>:
    /// <c>ProjectId</c>, <c>ServiceAccountJson</c>, <c>TokenRefreshMargin</c>, <c>NetworkTimeout</c>, <c>NonGoogleEndpointLocation</c>);
    /// any other key stops the host's start.
    /// </summary>
    /// <param name="builder">The builder from <c>AddAiCompliance</c>.</param>
    /// <param name="section">The configuration section.</param>
    /// <param name="configure">Optionally sets more in code.</param>
    public static AiComplianceBuilder AddVertexClients(this AiComplianceBuilder builder, IConfiguration section, Action<VertexProviderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        var options = builder.Services.AddOptions<VertexProviderOptions>()
            .Bind(section, b => b.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return Register(builder);
    }

    /// <summary>The name of the <see cref="IHttpClientFactory"/> client that carries <paramref name="deploymentId"/>'s calls.</summary>
    /// <param name="deploymentId">The deployment's id in the catalogue.</param>
    public static string HttpClientName(string deploymentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deploymentId);
        return VertexDeploymentClientFactory.HttpClientNamePrefix + deploymentId;
    }

    private static AiComplianceBuilder Register(AiComplianceBuilder builder)
    {
        var services = builder.Services;
        services.AddHttpClient();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VertexProviderOptions>, VertexProviderOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HttpClientFactoryOptions>, VertexHttpClientLogging>());
        services.TryAddSingleton<IVertexAccessTokenSource>(sp =>
            new GoogleVertexAccessTokenSource(sp.GetRequiredService<IOptions<VertexProviderOptions>>(), sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.TryAddSingleton(sp => new CachedVertexAccessTokenSource(
            sp.GetRequiredService<IVertexAccessTokenSource>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<IOptions<VertexProviderOptions>>().Value.TokenRefreshMargin));
        builder.AddChatClient(ProviderKind.GoogleVertex, (sp, d) => VertexDeploymentClientFactory.Chat(sp, d));
        builder.AddProviderClient<IEmbeddingGenerator<string, Embedding<float>>>(ProviderKind.GoogleVertex, (sp, d) => VertexDeploymentClientFactory.Embeddings(sp, d));
        return builder;
    }
}
