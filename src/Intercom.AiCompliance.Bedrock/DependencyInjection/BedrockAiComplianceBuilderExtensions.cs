using Intercom.AiCompliance.Bedrock;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.DependencyInjection;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Serves every <see cref="ProviderKind.AwsBedrock"/> deployment of the catalogue with the package's own Bedrock Runtime clients.</summary>
public static class BedrockAiComplianceBuilderExtensions
{
    /// <summary>The configuration section <see cref="AddBedrockClients(AiComplianceBuilder, IConfiguration, Action{BedrockProviderOptions})"/> is normally given: <c>AiComplianceBedrock</c>.</summary>
    /// <remarks>
    /// A top-level section of its own rather than <c>AiCompliance:Bedrock</c>: the core reads <c>AiCompliance</c> strictly
    /// and refuses every key its options do not declare. This section is read strictly too: an unknown key stops the host.
    /// </remarks>
    public const string SectionName = "AiComplianceBedrock";

    /// <summary>
    /// Serves chat (Converse and ConverseStream) and, where the deployment declares it, embeddings (InvokeModel with an
    /// Amazon Titan or Cohere embedding model) of every Bedrock deployment, against the deployment's endpoint
    /// <c>https://bedrock-runtime.{region}.amazonaws.com</c> with its model id or inference profile, signed with SigV4.
    /// </summary>
    /// <remarks>
    /// The clients never retry: the router's policies retry and fail over, never leaving the compliant set. HTTP goes
    /// through <see cref="IHttpClientFactory"/>, one named client per deployment (<see cref="HttpClientName"/>).
    /// </remarks>
    /// <param name="builder">The builder from <c>AddAiCompliance</c>.</param>
    /// <param name="configure">Sets the credentials (or leaves them to the AWS credential chain) and limits.</param>
    public static AiComplianceBuilder AddBedrockClients(this AiComplianceBuilder builder, Action<BedrockProviderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<BedrockProviderOptions>().Configure(configure);
        return Register(builder);
    }

    /// <summary>
    /// Serves every Bedrock deployment as <see cref="AddBedrockClients(AiComplianceBuilder, Action{BedrockProviderOptions})"/>
    /// does, with the options bound strictly from <paramref name="section"/> (normally
    /// <c>configuration.GetSection("AiComplianceBedrock")</c>: <c>AccessKeyId</c>, <c>SecretAccessKey</c>, <c>SessionToken</c>,
    /// <c>Profile</c>, <c>SigningRegionForNonAwsHosts</c>, <c>NetworkTimeout</c>, <c>MaxEventStreamFrameBytes</c>,
    /// <c>CohereInputType</c>). An empty section means the AWS credential chain.
    /// </summary>
    /// <param name="builder">The builder from <c>AddAiCompliance</c>.</param>
    /// <param name="section">The configuration section.</param>
    /// <param name="configure">Optionally sets more, such as <see cref="BedrockProviderOptions.CredentialsProvider"/>.</param>
    public static AiComplianceBuilder AddBedrockClients(this AiComplianceBuilder builder, IConfiguration section, Action<BedrockProviderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        var options = builder.Services.AddOptions<BedrockProviderOptions>().Bind(section, b => b.ErrorOnUnknownConfiguration = true);
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
        return BedrockDeploymentClientFactory.HttpClientNamePrefix + deploymentId;
    }

    private static AiComplianceBuilder Register(AiComplianceBuilder builder)
    {
        builder.Services.AddHttpClient();
        builder.AddChatClient(ProviderKind.AwsBedrock, (sp, d) => new BedrockChatClient(BedrockDeploymentClientFactory.Create(sp, d)));
        builder.AddProviderClient<IEmbeddingGenerator<string, Embedding<float>>>(ProviderKind.AwsBedrock, (sp, d) =>
            new BedrockEmbeddingGenerator(BedrockDeploymentClientFactory.Create(sp, d), d.Id));
        return builder;
    }
}
