using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.OpenAI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Serves every <see cref="ProviderKind.OpenAI"/> deployment of the catalogue with the official OpenAI SDK.</summary>
public static class OpenAIAiComplianceBuilderExtensions
{
    /// <summary>The configuration section <see cref="AddOpenAIClients(AiComplianceBuilder, IConfiguration, Action{OpenAIProviderOptions})"/> is normally given: <c>AiComplianceOpenAI</c>.</summary>
    /// <remarks>
    /// A top-level section of its own rather than <c>AiCompliance:OpenAI</c>: the core reads <c>AiCompliance</c> strictly
    /// and refuses every key its options do not declare.
    /// </remarks>
    public const string SectionName = "AiComplianceOpenAI";

    /// <summary>
    /// Serves chat, embeddings, transcription and speech synthesis of every OpenAI deployment (each capability the
    /// deployment declares) with the OpenAI SDK's own Microsoft.Extensions.AI clients
    /// (<c>GetChatClient(model).AsIChatClient()</c> and so on), against the deployment's endpoint:
    /// <c>https://api.openai.com/v1</c> (global) or <c>https://eu.api.openai.com/v1</c> (EU data residency).
    /// </summary>
    /// <remarks>
    /// The SDK's retries are off: the router's policies retry and fail over, never leaving the compliant set. HTTP goes
    /// through <see cref="IHttpClientFactory"/>, one named client per deployment (<see cref="HttpClientName"/>), so a host
    /// can add handlers: <c>services.AddHttpClient(OpenAIAiComplianceBuilderExtensions.HttpClientName("openai-eu"))</c>.
    /// A deployment without a key stops the host's start, naming the deployment (never the key).
    /// </remarks>
    /// <param name="builder">The builder from <c>AddAiCompliance</c>.</param>
    /// <param name="configure">Sets the key or the key callback, and optionally the organization, project and timeout.</param>
    public static AiComplianceBuilder AddOpenAIClients(this AiComplianceBuilder builder, Action<OpenAIProviderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<OpenAIProviderOptions>().Configure(configure);
        return Register(builder);
    }

    /// <summary>
    /// Serves every OpenAI deployment as <see cref="AddOpenAIClients(AiComplianceBuilder, Action{OpenAIProviderOptions})"/>
    /// does, with the options bound from <paramref name="section"/> (normally <c>configuration.GetSection("AiComplianceOpenAI")</c>:
    /// <c>ApiKey</c>, <c>OrganizationId</c>, <c>ProjectId</c>, <c>NetworkTimeout</c>).
    /// </summary>
    /// <param name="builder">The builder from <c>AddAiCompliance</c>.</param>
    /// <param name="section">The configuration section.</param>
    /// <param name="configure">Optionally sets more, such as <see cref="OpenAIProviderOptions.ApiKeyProvider"/>.</param>
    public static AiComplianceBuilder AddOpenAIClients(this AiComplianceBuilder builder, IConfiguration section, Action<OpenAIProviderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        var options = builder.Services.AddOptions<OpenAIProviderOptions>().Bind(section);
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
        return OpenAIDeploymentClientFactory.HttpClientNamePrefix + deploymentId;
    }

    private static AiComplianceBuilder Register(AiComplianceBuilder builder)
    {
        builder.Services.AddHttpClient();
        builder.AddChatClient(ProviderKind.OpenAI, (sp, d) =>
            OpenAIDeploymentClientFactory.Create(sp, d).GetChatClient(d.Model).AsIChatClient());
        builder.AddProviderClient<IEmbeddingGenerator<string, Embedding<float>>>(ProviderKind.OpenAI, (sp, d) =>
            OpenAIDeploymentClientFactory.Create(sp, d).GetEmbeddingClient(d.Model).AsIEmbeddingGenerator());
        builder.AddProviderClient<ISpeechToTextClient>(ProviderKind.OpenAI, (sp, d) =>
            OpenAIDeploymentClientFactory.Create(sp, d).GetAudioClient(d.Model).AsISpeechToTextClient());
        builder.AddProviderClient<ITextToSpeechClient>(ProviderKind.OpenAI, (sp, d) =>
            OpenAIDeploymentClientFactory.Create(sp, d).GetAudioClient(d.Model).AsITextToSpeechClient());
        return builder;
    }
}
