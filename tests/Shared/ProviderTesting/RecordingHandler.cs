namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>A host's own handler on a deployment's named HttpClient: it records the path of every call that goes through it.</summary>
public sealed class RecordingHandler : DelegatingHandler
{
    /// <summary>The paths seen, in order.</summary>
    public List<string> Paths { get; } = [];

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (Paths)
        {
            Paths.Add(request.RequestUri!.AbsolutePath);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
