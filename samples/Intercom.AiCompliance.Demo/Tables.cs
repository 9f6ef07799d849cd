using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Workspaces;
using Spectre.Console;

namespace Intercom.AiCompliance.Demo;

internal static class Tables
{
    public static Table Traffic() => new Table().Border(TableBorder.Rounded)
        .AddColumns("Workspace", "Call", "Outcome", "Served by", "Region", "Path (each attempt)");

    public static void AddRow(Table table, TrafficResult r)
    {
        var outcome = r.Response is not null
            ? (r.FailedOver ? "[yellow]served after failover[/]" : "[green]served[/]")
            : r.Error switch
            {
                RequestRefusedException => "[red]refused (request)[/]",
                NoCompliantRouteException => "[red]refused (no compliant route)[/]",
                ProviderRefusalException => "[red]provider refused[/]",
                _ => "[red]failed[/]",
            };
        table.AddRow(
            Markup.Escape(r.Scenario.WorkspaceId),
            Markup.Escape(r.Scenario.Label),
            outcome,
            Markup.Escape(r.Response?.ServedBy.Id ?? "-"),
            Markup.Escape(r.Response is null ? "-" : string.Join("+", r.Response.ProcessedIn)),
            Markup.Escape(Path(r.Attempts)));
    }

    public static Table Refusals(IEnumerable<TrafficResult> results)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Workspace", "Call", "Reason code", "Why");
        foreach (var r in results.Where(r => r.Error is RequestRefusedException or NoCompliantRouteException)
                     .DistinctBy(r => (r.Scenario.WorkspaceId, r.Scenario.Label)))
        {
            var why = r.Error switch
            {
                RequestRefusedException rr => string.Join("; ", rr.Violations.Select(v => v.Detail)),
                NoCompliantRouteException nc => string.Join("\n", nc.Rejections
                    .GroupBy(x => x.Deployment.Provider)
                    .Select(g => $"{g.Key}: {string.Join("; ", g.SelectMany(x => x.Violations).Select(v => v.Reason.Code).Distinct())}")),
                _ => "",
            };
            table.AddRow(Markup.Escape(r.Scenario.WorkspaceId), Markup.Escape(r.Scenario.Label), Markup.Escape(r.Error!.Reason.Code), Markup.Escape(why));
        }

        return table;
    }

    public static Table PerWorkspace(IReadOnlyList<TrafficResult> results, IReadOnlyDictionary<string, WorkspaceComplianceProfile> profiles)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("Workspace", "Kind", "Requests", "Served", "Failed over", "Refused", "Failed", "Regions that processed Input");
        foreach (var g in results.GroupBy(r => r.Scenario.WorkspaceId))
        {
            var p = profiles[g.Key];
            var kind = $"{p.HostingRegion} hosting{(p.PinnedToUsProcessing ? ", US-pinned" : "")}{(p.HandlesHealthData ? ", HIPAA" : "")}, {p.ContractType}";
            table.AddRow(
                Markup.Escape(g.Key),
                Markup.Escape(kind),
                g.Count().ToString(System.Globalization.CultureInfo.InvariantCulture),
                g.Count(r => r.Response is not null).ToString(System.Globalization.CultureInfo.InvariantCulture),
                g.Count(r => r.Response is not null && r.FailedOver).ToString(System.Globalization.CultureInfo.InvariantCulture),
                g.Count(r => r.Error is RequestRefusedException or NoCompliantRouteException or ProviderRefusalException).ToString(System.Globalization.CultureInfo.InvariantCulture),
                g.Count(r => r.Error is AllCandidatesFailedException).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(string.Join(", ", g.Where(r => r.Response is not null).SelectMany(r => r.Response!.ProcessedIn).Distinct().Order())));
        }

        return table;
    }

    public static Table PerProvider(IReadOnlyList<TrafficResult> results)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Provider", "Calls", "Answered", "Transient failures", "Passed over (circuit open)", "Deployments used");
        foreach (var g in results.SelectMany(r => r.Attempts).GroupBy(a => a.Provider).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal))
        {
            table.AddRow(
                g.Key.ToString(),
                g.Count(a => a.CalledProvider).ToString(System.Globalization.CultureInfo.InvariantCulture),
                g.Count(a => a.Outcome == AttemptOutcome.Succeeded).ToString(System.Globalization.CultureInfo.InvariantCulture),
                g.Count(a => a.Outcome == AttemptOutcome.TransientFailure).ToString(System.Globalization.CultureInfo.InvariantCulture),
                g.Count(a => a.Outcome == AttemptOutcome.SkippedCircuitOpen).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(string.Join(", ", g.Select(a => a.DeploymentId).Distinct().Order(StringComparer.Ordinal))));
        }

        return table;
    }

    private static string Path(IReadOnlyList<RouteAttempt> attempts)
    {
        if (attempts.Count == 0)
        {
            return "no call";
        }

        var parts = new List<string>();
        foreach (var g in attempts.Select((a, i) => (a, i)).GroupBy(x => x.a.DeploymentId).OrderBy(g => g.First().i))
        {
            var marks = string.Concat(g.Select(x => x.a.Outcome switch
            {
                AttemptOutcome.Succeeded => "ok",
                AttemptOutcome.SkippedCircuitOpen => "open",
                AttemptOutcome.SkippedNotCompliant => "expired",
                AttemptOutcome.TransientFailure => "x",
                _ => "!",
            } + " ")).Trim();
            parts.Add($"{g.Key} [{marks}]");
        }

        return string.Join(" -> ", parts);
    }
}
