using System.Text.RegularExpressions;

namespace Intercom.AiCompliance.PostgreSql;

/// <summary>Which PostgreSQL database the store uses and which chain of the fleet this process writes.</summary>
public sealed partial class PostgreSqlStoreOptions
{
    /// <summary>
    /// The Npgsql connection string (configuration: <c>AiCompliancePostgreSql:ConnectionString</c>). It is never
    /// logged, shown by <see cref="ToString"/> or put in an exception message.
    /// </summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// This process's name in the fleet (configuration: <c>AiCompliancePostgreSql:InstanceId</c>): its audit chain is the
    /// one with this id, and a restart with the same id continues that chain. Letters, digits, '.', '_' and '-', at most
    /// 63 characters. Default: the machine name, when it has that form. Two processes running at once must not share an
    /// id: their writes would keep refusing each other (the chain never forks; see docs/audit.md).
    /// </summary>
    public string? InstanceId { get; set; }

    /// <summary>The instance id in effect: <see cref="InstanceId"/>, or the machine name.</summary>
    public string EffectiveInstanceId => InstanceId is { Length: > 0 } id ? id : Environment.MachineName;

    /// <summary>Whether <paramref name="instanceId"/> has the form an instance id must have.</summary>
    public static bool IsValidInstanceId(string? instanceId) => instanceId is not null && InstanceIdForm().IsMatch(instanceId);

    /// <summary>Names the instance; never shows the connection string.</summary>
    public override string ToString() => $"PostgreSQL store (instance {EffectiveInstanceId}, connection string {(ConnectionString.Length > 0 ? "set, not shown" : "not set")})";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex InstanceIdForm();
}
