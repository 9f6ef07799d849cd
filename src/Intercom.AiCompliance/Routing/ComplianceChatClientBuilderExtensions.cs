using Intercom.AiCompliance.Routing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.AI;

/// <summary>
/// <see cref="ChatClientBuilder"/> extensions for pipelines whose innermost client is a router view
/// (<c>router.AsChatClient(context)</c> or <c>services.AddComplianceChatClient(...)</c>), shaped like Microsoft.Extensions.AI's
/// own <c>UseDistributedCache</c> / <c>UseLogging</c>: the dependency is resolved from the pipeline's services when not
/// given, and an optional callback configures the client.
/// </summary>
public static class ComplianceChatClientBuilderExtensions
{
    /// <summary>
    /// Caches answers in <paramref name="storage"/> like <c>UseDistributedCache</c>, with the router view's compliance
    /// context (workspace, product, purpose, knowledge sources) in every cache key, so one workspace never gets an answer
    /// cached for another, or for another purpose, even when every view shares one cache.
    /// </summary>
    /// <remarks>
    /// A cached answer is served without a routed request, so it has no audit record of its own: the record of the request
    /// that first produced it is the one. Use this rather than plain <c>UseDistributedCache</c> around a router view: that
    /// one keys on the messages and options alone, and two workspaces asking the same question would share an answer.
    /// </remarks>
    /// <param name="builder">A builder whose innermost client is a router view.</param>
    /// <param name="storage">The cache; when <see langword="null"/>, the pipeline's <see cref="IDistributedCache"/> service.</param>
    /// <param name="configure">Optionally configures the caching client further (keep the context values when replacing <c>CacheKeyAdditionalValues</c>).</param>
    /// <exception cref="InvalidOperationException">When built, the innermost client is not a router view.</exception>
    public static ChatClientBuilder UseComplianceDistributedCache(this ChatClientBuilder builder, IDistributedCache? storage = null, Action<DistributedCachingChatClient>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            var context = inner.GetService<ComplianceContext>()
                ?? throw new InvalidOperationException("UseComplianceDistributedCache needs a router view (router.AsChatClient(context)) inside it: no ComplianceContext was found.");
            storage ??= services.GetRequiredService<IDistributedCache>();
            var client = new DistributedCachingChatClient(inner, storage)
            {
                CacheKeyAdditionalValues = CacheKeyValues(context),
            };
            configure?.Invoke(client);
            return client;
        });
    }

    /// <summary>
    /// The values that tell contexts apart in a cache key: the workspace, product, purpose and knowledge sources (in a fixed
    /// order). The participant names and the correlation id are left out: they change no routing decision, and names are
    /// personal data.
    /// </summary>
    /// <param name="context">The view's context.</param>
    public static IReadOnlyList<object> CacheKeyValues(ComplianceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return
        [
            "aicompliance",
            context.WorkspaceId,
            context.Product.ToString(),
            context.Purpose.ToString(),
            string.Join(",", context.KnowledgeSources.Select(k => k.ToString()).Order(StringComparer.Ordinal)),
        ];
    }
}
