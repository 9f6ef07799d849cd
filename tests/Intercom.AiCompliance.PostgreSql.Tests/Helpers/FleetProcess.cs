using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.PostgreSql.Tests.Helpers;

/// <summary>The fleet host (tests/Intercom.AiCompliance.PostgreSql.FleetHost) run as a separate process.</summary>
public static class FleetProcess
{
    /// <summary>Starts the host; the connection string goes through the environment, never the command line.</summary>
    public static HostProcess Start(string connectionString, params string[] args) =>
        HostProcess.Start("Intercom.AiCompliance.PostgreSql.FleetHost",
            new Dictionary<string, string> { ["AICOMPLIANCE_TEST_POSTGRES"] = connectionString }, args);
}
