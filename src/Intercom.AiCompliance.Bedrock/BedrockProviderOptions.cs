using Amazon.Runtime;
using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Bedrock;

/// <summary>
/// How the AWS Bedrock deployments of the catalogue are called: which AWS credentials sign the requests, and limits. The
/// endpoint (and so the AWS region), the model id or inference profile, and where data is processed come from each
/// deployment in the catalogue, never from here.
/// </summary>
/// <remarks>
/// Bound strictly (an unknown key stops the host) from the top-level configuration section <c>AiComplianceBedrock</c>.
/// Credentials are taken, in order, from <see cref="CredentialsProvider"/>, from <see cref="AccessKeyId"/> and
/// <see cref="SecretAccessKey"/> (with <see cref="SessionToken"/> for temporary credentials), from the named
/// <see cref="Profile"/> of the shared AWS config and credentials files, and otherwise from the AWS SDK's default
/// credential chain (environment, profile, SSO, web identity, container and instance roles). None of the secrets is ever
/// logged, put in an exception or returned by <see cref="ToString"/>.
/// </remarks>
public sealed class BedrockProviderOptions
{
    /// <summary>The access key id of explicit credentials; needs <see cref="SecretAccessKey"/>.</summary>
    public string? AccessKeyId { get; set; }

    /// <summary>The secret access key of explicit credentials.</summary>
    public string? SecretAccessKey { get; set; }

    /// <summary>The session token of temporary explicit credentials (sent as <c>x-amz-security-token</c>).</summary>
    public string? SessionToken { get; set; }

    /// <summary>A profile of the shared AWS config and credentials files to take the credentials from.</summary>
    public string? Profile { get; set; }

    /// <summary>
    /// Returns the AWS credentials for a deployment (for example an assumed role per region), or <see langword="null"/>
    /// to fall back to the keys, the profile or the default chain. Called once per deployment and capability when the
    /// router is built; the SDK object refreshes temporary credentials itself.
    /// </summary>
    public Func<IServiceProvider, ProviderDeployment, AWSCredentials?>? CredentialsProvider { get; set; }

    /// <summary>
    /// The region to sign for when a deployment's endpoint is not a <c>bedrock-runtime.{region}.amazonaws.com</c> host
    /// (only loopback fakes in tests; the catalogue refuses any other host). Default <c>us-east-1</c>.
    /// </summary>
    public string SigningRegionForNonAwsHosts { get; set; } = "us-east-1";

    /// <summary>How long one HTTP call may take before it is abandoned (a transient timeout for the router); default 100 seconds.</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>The largest event-stream frame accepted from ConverseStream, in bytes; a larger length is a failure, read no further. Default 16 MiB.</summary>
    public int MaxEventStreamFrameBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The <c>input_type</c> sent to Cohere embedding models; default <c>search_document</c>.</summary>
    public string CohereInputType { get; set; } = "search_document";

    /// <summary>Describes the options with every secret hidden: only whether each is set.</summary>
    public override string ToString() =>
        $"BedrockProviderOptions {{ AccessKeyId = {Shown(AccessKeyId)}, SecretAccessKey = {Shown(SecretAccessKey)}, SessionToken = {Shown(SessionToken)}, "
        + $"Profile = {Profile ?? "not set"}, CredentialsProvider = {(CredentialsProvider is null ? "not set" : "set")}, SigningRegionForNonAwsHosts = {SigningRegionForNonAwsHosts}, "
        + $"NetworkTimeout = {NetworkTimeout}, MaxEventStreamFrameBytes = {MaxEventStreamFrameBytes}, CohereInputType = {CohereInputType} }}";

    private static string Shown(string? secret) => string.IsNullOrEmpty(secret) ? "not set" : "set (hidden)";
}
