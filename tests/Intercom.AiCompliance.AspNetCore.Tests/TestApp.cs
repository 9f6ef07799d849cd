using Intercom.AiCompliance.AspNetCore;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers.Simulated;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.AspNetCore.Tests;

/// <summary>
/// A minimal ASP.NET Core app on the in-memory TestServer: the router with simulated clients, the problem-details
/// handler, the health checks at /health, and POST /chat/{workspace}?purpose=... sending the body as a user message.
/// </summary>
internal sealed class TestApp : IAsyncDisposable
{
    public const string ContentMarker = "MARKER-c0ntent-7f3a";

    private TestApp(WebApplication app)
    {
        App = app;
        Client = app.GetTestClient();
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public static async Task<TestApp> StartAsync(
        bool withContracts = true,
        Action<SimulationOptions>? simulate = null,
        IEnumerable<(string Key, string? Value)>? extra = null)
    {
        // Production, so the developer exception page (which prints messages) never stands in for the handler.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        var pairs = new List<(string Key, string? Value)>
        {
            ("AiCompliance:Catalog:UseDefault", "true"),
            ("AiCompliance:Workspaces:0:WorkspaceId", "ws-us"),
            ("AiCompliance:Workspaces:0:HostingRegion", "US"),
            ("AiCompliance:Workspaces:0:ContractType", "Standard"),
            ("AiCompliance:Workspaces:0:HandlesHealthData", "false"),
            ("AiCompliance:Router:MaxInputCharacters", "500"),
            ("AiCompliance:Router:Retry:MaxRetryAttempts", "0"),
        };
        if (withContracts)
        {
            pairs.AddRange(FictionalContracts.ConfigurationPairs());
        }

        pairs.AddRange(extra ?? []);
        builder.Configuration.AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
        builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance")).UseInMemoryAuditForTestsAndDemos()
            .AddSimulatedClientsForDemosAndTests(simulate);
        builder.Services.AddAiComplianceProblemDetails();
        builder.Services.AddAiComplianceHealthChecks();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.MapHealthChecks("/health");
        app.MapPost("/chat/{workspace}", async (string workspace, HttpRequest http, IProviderRouter router, CancellationToken ct) =>
        {
            using var reader = new StreamReader(http.Body);
            var text = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
            var purpose = Enum.Parse<Purpose>(http.Query["purpose"].FirstOrDefault() ?? nameof(Purpose.AnsweringEndUser));
            await router.SendAsync(Request(workspace, text, purpose), ct).ConfigureAwait(false);
            return Results.Text("served");
        });
        app.MapGet("/boom", string () => throw new InvalidOperationException("unrelated failure " + ContentMarker));
        await app.StartAsync().ConfigureAwait(false);
        return new TestApp(app);
    }

    public static AiRequest Request(string workspace, string text, Purpose purpose = Purpose.AnsweringEndUser) => new()
    {
        WorkspaceId = workspace,
        Product = AiProduct.FinAiAgent,
        Purpose = purpose,
        Payload = new ChatPayload([new ChatMessage(ChatRole.User, text)]),
    };

    public Task<HttpResponseMessage> ChatAsync(string workspace, string text, Purpose purpose = Purpose.AnsweringEndUser) =>
        Client.PostAsync(new Uri($"/chat/{workspace}?purpose={purpose}", UriKind.Relative), new StringContent(text));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync().ConfigureAwait(false);
    }
}
