using System.Runtime.CompilerServices;
using Intercom.AiCompliance.Providers;
using Microsoft.Extensions.AI;

namespace Intercom.AiCompliance.Anthropic;

/// <summary>
/// The Anthropic SDK's own <see cref="IChatClient"/> (<c>AnthropicClient.AsIChatClient(model)</c>), unchanged, except that
/// an exception it throws after the provider asked to wait carries that wait in its <see cref="Exception.Data"/> under
/// <see cref="ProviderFailureClassifier.RetryAfterDataKey"/>. The exception itself (its type, status and error type) is
/// what the router's classifier sees.
/// </summary>
internal sealed class AnthropicSdkChatClient(IChatClient sdkClient) : DelegatingChatClient(sdkClient)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var retryAfter = RetryAfterCapture.Begin();
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Attach(ex, retryAfter))
        {
            throw;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The HTTP call is made by the first MoveNextAsync below, which runs where the box was set.
        var retryAfter = RetryAfterCapture.Begin();
        await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await updates.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (Exception ex) when (Attach(ex, retryAfter))
            {
                throw;
            }

            yield return updates.Current;
        }
    }

    /// <summary>Adds the captured wait to the exception; never handles it (the filter returns false).</summary>
    private static bool Attach(Exception ex, StrongBox<TimeSpan?> retryAfter)
    {
        if (retryAfter.Value is { } wait && !ex.Data.IsReadOnly)
        {
            ex.Data[ProviderFailureClassifier.RetryAfterDataKey] = wait;
        }

        return false;
    }
}
