using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.ElevenLabs;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Serves every <see cref="ProviderKind.ElevenLabs"/> deployment of the catalogue with the package's own ElevenLabs clients.</summary>
public static class ElevenLabsAiComplianceBuilderExtensions
{
    /// <summary>The configuration section <see cref="AddElevenLabsClients(AiComplianceBuilder, IConfiguration, Action{ElevenLabsProviderOptions})"/> is normally given: <c>AiComplianceElevenLabs</c>.</summary>
    /// <remarks>A top-level section of its own: the core reads <c>AiCompliance</c> strictly and refuses every key its options do not declare.</remarks>
    public const string SectionName = "AiComplianceElevenLabs";

    /// <summary>
    /// Serves speech synthesis (<c>/v1/text-to-speech/{voice_id}</c> and its <c>/stream</c>) and transcription
    /// (<c>/v1/speech-to-text</c>) of every ElevenLabs deployment, each capability it declares, at the deployment's endpoint
    /// (<c>https://api.elevenlabs.io</c>, <c>https://api.us.elevenlabs.io</c> or a data-residency host such as
    /// <c>https://api.eu.residency.elevenlabs.io</c>), with <c>enable_logging=false</c> on every call of a deployment whose
    /// zero-retention attestation relies on it (every deployment not listed in
    /// <see cref="ElevenLabsProviderOptions.ZeroRetentionByAccountContract"/>); a request without it is refused before it leaves the process.
    /// </summary>
    /// <remarks>
    /// There are no retries here: the router's policies retry and fail over, never leaving the compliant set. HTTP goes through
    /// <see cref="IHttpClientFactory"/>, one named client per deployment (<see cref="HttpClientName"/>), whose logs redact every
    /// header value. A deployment without a key stops the host's start, naming the deployment (never the key).
    /// </remarks>
    /// <param name="builder">The builder from <c>AddAiCompliance</c>.</param>
    /// <param name="configure">Sets the key or the key callback, and optionally the default voice, format and timeout.</param>
    public static AiComplianceBuilder AddElevenLabsClients(this AiComplianceBuilder builder, Action<ElevenLabsProviderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<ElevenLabsProviderOptions>().Configure(configure).ValidateOnStart();
        return Register(builder);
    }

    /// <summary>
    /// Serves every ElevenLabs deployment as <see cref="AddElevenLabsClients(AiComplianceBuilder, Action{ElevenLabsProviderOptions})"/>
    /// does, with the options bound strictly from <paramref name="section"/> (normally <c>configuration.GetSection("AiComplianceElevenLabs")</c>:
    /// <c>ApiKey</c>, <c>DefaultVoiceId</c>, <c>OutputFormat</c>, <c>ZeroRetentionByAccountContract</c>, <c>NetworkTimeout</c>);
    /// any other key stops the host's start.
    /// </summary>
    /// <param name="builder">The builder from <c>AddAiCompliance</c>.</param>
    /// <param name="section">The configuration section.</param>
    /// <param name="configure">Optionally sets more, such as <see cref="ElevenLabsProviderOptions.ApiKeyProvider"/>.</param>
    public static AiComplianceBuilder AddElevenLabsClients(this AiComplianceBuilder builder, IConfiguration section, Action<ElevenLabsProviderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        var options = builder.Services.AddOptions<ElevenLabsProviderOptions>()
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
        return ElevenLabsDeploymentClientFactory.HttpClientNamePrefix + deploymentId;
    }

    private static AiComplianceBuilder Register(AiComplianceBuilder builder)
    {
        var services = builder.Services;
        services.AddHttpClient();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ElevenLabsProviderOptions>, ElevenLabsProviderOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<HttpClientFactoryOptions>, ElevenLabsHttpClientSetup>());
        builder.AddProviderClient<ITextToSpeechClient>(ProviderKind.ElevenLabs, (sp, d) => ElevenLabsDeploymentClientFactory.TextToSpeech(sp, d));
        builder.AddProviderClient<ISpeechToTextClient>(ProviderKind.ElevenLabs, (sp, d) => ElevenLabsDeploymentClientFactory.SpeechToText(sp, d));
        return builder;
    }
}
