using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.DependencyInjection;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Intercom.AiCompliance.PostgreSql.Tests.DependencyInjection;

public class PostgreSqlAiComplianceBuilderExtensionsTests
{
    private static readonly string Key = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static HostApplicationBuilder Builder(bool withKey, params (string Key, string? Value)[] extra)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(
            new (string Key, string? Value)[]
            {
                ("AiCompliance:Catalog:UseDefault", "true"),
                ("AiCompliance:Workspaces:0:WorkspaceId", "ws-1"),
                ("AiCompliance:Workspaces:0:HostingRegion", "US"),
                ("AiCompliance:Workspaces:0:ContractType", "Standard"),
                ("AiCompliance:Workspaces:0:HandlesHealthData", "false"),
            }.Concat(withKey ? [("AiCompliance:Audit:ChainKey", Key)] : []).Concat(FictionalContracts.ConfigurationPairs()).Concat(extra)
            .Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
        return builder;
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task UsePostgreSqlFromConfiguration_HostStartsAndRoutedRequestsAreAuditedInTheDatabase(CancellationToken ct)
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var builder = Builder(true, ("AiCompliancePostgreSql:ConnectionString", database), ("AiCompliancePostgreSql:InstanceId", "web-1"));
        builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance"))
            .UsePostgreSql(builder.Configuration.GetSection(PostgreSqlAiComplianceBuilderExtensions.SectionName))
            .UseTrainingSink(new InMemoryTrainingDataSink())
            .AddSimulatedClientsForDemosAndTests();
        using (var host = builder.Build())
        {
            // A training sink without a durable consent store fails the start: the PostgreSQL store counts as durable.
            await host.StartAsync(ct);
            host.Services.GetRequiredService<IConsentEventStore>().Should().BeOfType<PostgreSqlConsentEventStore>();
            host.Services.GetRequiredService<AuditTrail>().Sink.Should().BeOfType<PostgreSqlAuditSink>().Which.InstanceId.Should().Be("web-1");
            await host.Services.GetRequiredService<IProviderRouter>().SendAsync(Requests.Make("ws-1"), ct);
            await host.StopAsync(ct);
        }

        var result = PostgreSqlAuditVerifier.Verify(database, AuditKeys.Chain);
        result.IsValid.Should().BeTrue(result.ToString());
        result.Chains["web-1"].RecordCount.Should().Be(2, "the request stored its write-ahead intent, then its outcome");
    }

    [Test]
    public void UsePostgreSqlFromConfiguration_AnUnknownKey_FailsTheStartNamingItButNotTheConnectionString()
    {
        var builder = Builder(true, ("AiCompliancePostgreSql:ConnectionString", PostgresServer.ConnectionString), ("AiCompliancePostgreSql:Instance", "x"));
        builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance"))
            .UsePostgreSql(builder.Configuration.GetSection(PostgreSqlAiComplianceBuilderExtensions.SectionName))
            .AddSimulatedClientsForDemosAndTests();
        using var host = builder.Build();

        var thrown = host.Invoking(h => h.Services.GetRequiredService<IOptions<PostgreSqlStoreOptions>>().Value).Should().Throw<OptionsValidationException>().Which;

        thrown.Message.Should().Contain("AiCompliancePostgreSql:Instance is not a known key").And.NotContain(PostgresServer.Password);
    }

    [Test]
    public void UsePostgreSql_WithoutAConnectionStringOrChainKey_FailsTheStartNamingBoth()
    {
        var builder = Builder(false);
        builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance"))
            .UsePostgreSql(builder.Configuration.GetSection(PostgreSqlAiComplianceBuilderExtensions.SectionName))
            .AddSimulatedClientsForDemosAndTests();
        using var host = builder.Build();

        host.Invoking(h => h.Services.GetRequiredService<IOptions<PostgreSqlStoreOptions>>().Value)
            .Should().Throw<OptionsValidationException>().WithMessage("*AiCompliancePostgreSql:ConnectionString is required*");
        host.Invoking(h => h.Services.GetRequiredService<IOptions<AiComplianceOptions>>().Value)
            .Should().Throw<OptionsValidationException>().WithMessage("*AiCompliance:Audit:ChainKey is required with UsePostgreSql*");
    }

    [Test]
    public void UsePostgreSql_AWrongPasswordAtStart_FailsWithoutThePassword()
    {
        var wrong = new Npgsql.NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Password = "Not-The-Right-0ne" }.ConnectionString;
        var builder = Builder(true, ("AiCompliancePostgreSql:ConnectionString", wrong));
        builder.Services.AddAiCompliance(builder.Configuration.GetSection("AiCompliance"))
            .UsePostgreSql(builder.Configuration.GetSection(PostgreSqlAiComplianceBuilderExtensions.SectionName))
            .AddSimulatedClientsForDemosAndTests();
        using var host = builder.Build();

        var thrown = host.Invoking(h => h.Services.GetRequiredService<PostgreSqlStore>()).Should().Throw<Exception>().Which;

        thrown.ToString().Should().NotContain("Not-The-Right-0ne").And.NotContain(PostgresServer.Password);
    }
}
