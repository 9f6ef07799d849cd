using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Intercom.AiCompliance.AspNetCore;

/// <summary>Registers the ASP.NET Core integration. Call <c>AddAiCompliance(...)</c> too.</summary>
public static class AiComplianceAspNetCoreExtensions
{
    /// <summary>The tag on every health check of the package.</summary>
    public const string HealthCheckTag = "aicompliance";

    /// <summary>
    /// Maps the router's refusals and failures to RFC 9457 problem details through <see cref="AiComplianceExceptionHandler"/>.
    /// The host must also call <c>app.UseExceptionHandler()</c>.
    /// </summary>
    public static IServiceCollection AddAiComplianceProblemDetails(this IServiceCollection services, Action<AiComplianceProblemDetailsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddProblemDetails();
        services.AddOptions<AiComplianceProblemDetailsOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        AddDeploymentStateReader(services);
        services.AddExceptionHandler<AiComplianceExceptionHandler>();
        return services;
    }

    /// <summary>
    /// Adds three health checks tagged <see cref="HealthCheckTag"/>: <c>aicompliance-deployments</c>
    /// (<see cref="DeploymentCircuitsHealthCheck"/>), <c>aicompliance-audit</c> (<see cref="AuditTrailHealthCheck"/>)
    /// and <c>aicompliance-consent</c> (<see cref="ConsentStoreHealthCheck"/>).
    /// </summary>
    public static IHealthChecksBuilder AddAiComplianceHealthChecks(this IHealthChecksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddDeploymentStateReader(builder.Services);
        string[] tags = [HealthCheckTag];
        builder.Add(new HealthCheckRegistration("aicompliance-deployments",
            sp => new DeploymentCircuitsHealthCheck(sp.GetRequiredService<IDeploymentStateReader>()), HealthStatus.Unhealthy, tags));
        builder.Add(new HealthCheckRegistration("aicompliance-audit",
            sp => new AuditTrailHealthCheck(sp.GetRequiredService<AuditTrail>()), HealthStatus.Unhealthy, tags));
        builder.Add(new HealthCheckRegistration("aicompliance-consent",
            sp => new ConsentStoreHealthCheck(sp.GetRequiredService<IConsentEventStore>()), HealthStatus.Unhealthy, tags));
        return builder;
    }

    /// <summary>Same as <see cref="AddAiComplianceHealthChecks(IHealthChecksBuilder)"/> on <c>services.AddHealthChecks()</c>.</summary>
    public static IHealthChecksBuilder AddAiComplianceHealthChecks(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddHealthChecks().AddAiComplianceHealthChecks();
    }

    private static void AddDeploymentStateReader(IServiceCollection services) =>
        services.TryAddSingleton<IDeploymentStateReader>(sp => sp.GetRequiredService<ProviderRouter>());
}
