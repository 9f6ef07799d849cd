using Intercom.AiCompliance.AzureOpenAI;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Serves every <see cref="ProviderKind.AzureOpenAI"/> deployment of the catalogue with the official OpenAI SDK on Azure's v1 endpoint.</summary>
public static class AzureOpenAIAiComplianceBuilderExtensions
{
    /// <summary>The configuration section <see cref="AddAzureOpenAIClients(AiComplianceBuilder, IConfiguration, Action{AzureOpenAIProviderOptions})"/> is normally given: <c>AiComplianceAzureOpenAI</c>.</summary>
    /// <remarks>
    /// A top-level section of its own rather than <c>AiCompliance:AzureOpenAI</c>: the core reads <c>AiCompliance</c>
    /// strictly and refuses every key its options do not declare.
    /// </remarks>
    public const string SectionName = "AiComplianceAzureOpenAI";

    /// <summary>
    /// Serves chat, embeddings, transcription and speech synthesis of every Azure OpenAI deployment (each capability the
    /// deployment declares) with the OpenAI SDK's own Microsoft.Extensions.AI clients against Azure's v1 API of the
    /// deployment's resource (<c>https://{resource}.openai.azure.com/openai/v1</c>); the catalogue's <c>Model</c> is the
    /// Azure deployment name.
    /// </summary>
    /// <remarks>
    /// The SDK's retries are off: the router's policies retry and fail over, never leaving the compliant set. HTTP goes
    /// through <see cref="IHttpClientFactory"/>, one named client per deployment (<see cref="HttpClientName"/>), so a host
    /// can add handlers. Every response's <c>x-ms-region</c> header is reported to the router's served-region check: a
    /// region outside the deployment's processing regions quarantines it. A deployment without a credential stops the
    /// host's start, naming the deployment (never a key).
    /// </remarks>
    /// <param name="builder">The builder from <c>AddAiCompliance</c>.</param>
    /// <param name="configure">Sets the Entra ID credential, or the key or key callback, and optionally the timeout.</param>
    public static AiComplianceBuilder AddAzureOpenAIClients(this AiComplianceBuilder builder, Action<AzureOpenAIProviderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<AzureOpenAIProviderOptions>().Configure(configure);
        return Register(builder);
    }

    /// <summary>
    /// Serves every Azure OpenAI deployment as <see cref="AddAzureOpenAIClients(AiComplianceBuilder, Action{AzureOpenAIProviderOptions})"/>
    /// does, with the options bound from <paramref name="section"/> (normally <c>configuration.GetSection("AiComplianceAzureOpenAI")</c>:
    /// <c>ApiKey</c>, <c>TokenScope</c>, <c>NetworkTimeout</c>).
    /// </summary>
    /// <param name="builder">The builder from <c>AddAiCompliance</c>.</param>
    /// <param name="section">The configuration section.</param>
    /// <param name="configure">Optionally sets more, such as <see cref="AzureOpenAIProviderOptions.Credential"/>.</param>
    public static AiComplianceBuilder AddAzureOpenAIClients(this AiComplianceBuilder builder, IConfiguration section, Action<AzureOpenAIProviderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        var options = builder.Services.AddOptions<AzureOpenAIProviderOptions>().Bind(section);
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
        return AzureOpenAIDeploymentClientFactory.HttpClientNamePrefix + deploymentId;
    }

    private static AiComplianceBuilder Register(AiComplianceBuilder builder)
    {
        builder.Services.AddHttpClient();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HttpClientFactoryOptions>, AzureOpenAIDeploymentClientFactory.RegionReporting>());
        builder.AddChatClient(ProviderKind.AzureOpenAI, (sp, d) =>
            AzureOpenAIDeploymentClientFactory.Create(sp, d).GetChatClient(d.Model).AsIChatClient());
        builder.AddProviderClient<IEmbeddingGenerator<string, Embedding<float>>>(ProviderKind.AzureOpenAI, (sp, d) =>
            AzureOpenAIDeploymentClientFactory.Create(sp, d).GetEmbeddingClient(d.Model).AsIEmbeddingGenerator());
        builder.AddProviderClient<ISpeechToTextClient>(ProviderKind.AzureOpenAI, (sp, d) =>
            AzureOpenAIDeploymentClientFactory.Create(sp, d).GetAudioClient(d.Model).AsISpeechToTextClient());
        builder.AddProviderClient<ITextToSpeechClient>(ProviderKind.AzureOpenAI, (sp, d) =>
            AzureOpenAIDeploymentClientFactory.Create(sp, d).GetAudioClient(d.Model).AsITextToSpeechClient());
        return builder;
    }
}
