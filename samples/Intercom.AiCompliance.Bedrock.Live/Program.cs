// Live run against AWS Bedrock (documented in docs/providers/bedrock.md; never run by CI): one harmless question from
// a US, an EU and an AU workspace, through the router, to the Bedrock deployments of the catalogue in appsettings.json
// (the default catalogue's three), plain and streamed. It needs AWS credentials (the AWS credential chain, or the
// AiComplianceBedrock section) with access to the models, and the contracts you have confirmed for each deployment
// (AiCompliance:Catalog:Attestations:{id}); without them every plan is empty and the run prints why, sending nothing.
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
var audit = new InMemoryAuditSink();
builder.Services.AddAiCompliance(builder.Configuration.GetSection(AiComplianceOptions.SectionName))
    .UseAuditSink(audit)
    .AddBedrockClients(builder.Configuration.GetSection(BedrockAiComplianceBuilderExtensions.SectionName));
using var host = builder.Build();
await host.StartAsync();
var router = host.Services.GetRequiredService<IProviderRouter>();

const string Question = "In one short sentence: where do I change my password in a typical web app?";
var failures = 0;
foreach (var workspace in new[] { "live-us", "live-eu", "live-au" })
{
    var context = new ComplianceContext { WorkspaceId = workspace, Product = AiProduct.FinAiAgent, Purpose = Purpose.AnsweringEndUser };
    var chat = router.AsChatClient(context);
    try
    {
        var answer = await chat.GetResponseAsync(Question);
        Console.WriteLine($"{workspace}: served by {answer.AdditionalProperties?["aicompliance.deployment"]} ({answer.Usage?.InputTokenCount} in / {answer.Usage?.OutputTokenCount} out tokens, {answer.FinishReason})");
        Console.WriteLine($"  {answer.Text}");

        Console.Write($"{workspace} streamed: ");
        await foreach (var update in chat.GetStreamingResponseAsync(Question))
        {
            Console.Write(update.Text);
        }

        Console.WriteLine();
    }
    catch (AiRoutingException e)
    {
        failures++;
        Console.WriteLine($"{workspace}: {e.GetType().Name} ({e.Reason}): {e.Message}");
    }
}

Console.WriteLine($"{audit.Records.Count} audit record(s); each names the deployment and its declared regions, never the text.");
await host.StopAsync();
return failures == 0 ? 0 : 1;
