using Intercom.AiCompliance.Tests.Helpers;

namespace Intercom.AiCompliance.Sqlite.Tests.Helpers;

/// <summary>The crash host (tests/Intercom.AiCompliance.Sqlite.CrashHost) run as a separate process.</summary>
public static class ChildProcess
{
    public static HostProcess Start(params string[] args) =>
        HostProcess.Start("Intercom.AiCompliance.Sqlite.CrashHost", new Dictionary<string, string>(), args);
}
