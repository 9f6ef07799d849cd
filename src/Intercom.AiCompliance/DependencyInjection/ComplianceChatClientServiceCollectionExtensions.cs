using Intercom.AiCompliance.Routing;
using Microsoft.Extensions.AI;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the router's chat view as the application's <see cref="IChatClient"/>, the way Microsoft.Extensions.AI's
/// <c>AddChatClient</c> does, returning the <see cref="ChatClientBuilder"/> so middleware is added as usual:
/// <c>services.AddComplianceChatClient(sp => ...).UseFunctionInvocation().UseOpenTelemetry()</c>.
/// </summary>
public static class ComplianceChatClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers an <see cref="IChatClient"/> that routes every call through the <see cref="IProviderRouter"/> for the
    /// compliance context <paramref name="context"/> returns. Scoped by default, so the context can come from the request
    /// being served (the signed-in workspace, the product): resolve it from the scope's services.
    /// </summary>
    /// <param name="services">The services, with <c>AddAiCompliance</c> already called.</param>
    /// <param name="context">Returns who is asking and why, from the scope's services.</param>
    /// <param name="lifetime">The client's lifetime; <see cref="ServiceLifetime.Singleton"/> only for a fixed context.</param>
    /// <returns>The builder of the client's pipeline; the router view is its innermost client.</returns>
    public static ChatClientBuilder AddComplianceChatClient(this IServiceCollection services, Func<IServiceProvider, ComplianceContext> context,
        ServiceLifetime lifetime = ServiceLifetime.Scoped)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);
        return services.AddChatClient(sp => sp.GetRequiredService<IProviderRouter>().AsChatClient(context(sp)), lifetime);
    }

    /// <summary>As <see cref="AddComplianceChatClient"/>, registered under <paramref name="serviceKey"/> (for example one client per product).</summary>
    /// <param name="services">The services, with <c>AddAiCompliance</c> already called.</param>
    /// <param name="serviceKey">The key of the registration.</param>
    /// <param name="context">Returns who is asking and why, from the scope's services.</param>
    /// <param name="lifetime">The client's lifetime.</param>
    /// <returns>The builder of the client's pipeline.</returns>
    public static ChatClientBuilder AddKeyedComplianceChatClient(this IServiceCollection services, object? serviceKey, Func<IServiceProvider, ComplianceContext> context,
        ServiceLifetime lifetime = ServiceLifetime.Scoped)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);
        return services.AddKeyedChatClient(serviceKey, sp => sp.GetRequiredService<IProviderRouter>().AsChatClient(context(sp)), lifetime);
    }
}
