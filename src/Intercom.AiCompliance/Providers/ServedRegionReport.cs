using Intercom.AiCompliance.Catalog;

namespace Intercom.AiCompliance.Providers;

/// <summary>
/// How a provider client tells the router where the provider says it processed the current attempt (for example the
/// <c>x-ms-region</c> response header of Azure OpenAI). The router listens during each attempt and, after it, compares
/// what was reported with the deployment's <see cref="ProviderDeployment.ProcessingRegions"/>: a region outside them, or
/// one that maps to no known jurisdiction, is a compliance incident that quarantines the deployment.
/// </summary>
/// <remarks>
/// The listener flows with the <see cref="ExecutionContext"/> (an <see cref="AsyncLocal{T}"/> holder the router installs
/// per attempt), so a <see cref="DelegatingHandler"/> deep inside an SDK's <see cref="HttpClient"/> call can report. A
/// stream reports with its response headers, before its first update reaches the caller. Outside an attempt a report is
/// ignored. A client that reports nothing is never quarantined: only providers that say where they processed can be checked.
/// </remarks>
public static class ServedRegionReport
{
    /// <summary>The longest region name kept; longer names are cut (a header is provider text, not ours).</summary>
    public const int MaxRegionNameLength = 64;

    private static readonly AsyncLocal<Listener?> Current = new();

    /// <summary>Whether a router attempt is listening in the current execution context.</summary>
    public static bool IsListening => Current.Value is not null;

    /// <summary>Reports where the provider processed the current attempt.</summary>
    /// <param name="providerRegion">The provider's own name for the region, such as <c>swedencentral</c>; kept (cleaned, at most <see cref="MaxRegionNameLength"/> characters) in the audit record, the metric and the log.</param>
    /// <param name="jurisdiction">The jurisdiction that region lies in, or <see langword="null"/> when the client cannot map it: unknown is treated as outside every boundary.</param>
    public static void Report(string providerRegion, Region? jurisdiction)
    {
        ArgumentNullException.ThrowIfNull(providerRegion);
        Current.Value?.Add(new ServedRegion(Clean(providerRegion), jurisdiction is { IsUnknown: false } j ? j : null));
    }

    /// <summary>Installs a listener for one attempt in the current execution context; the caller restores the previous one.</summary>
    internal static Listener Listen(out Listener? previous)
    {
        previous = Current.Value;
        var listener = new Listener();
        Current.Value = listener;
        return listener;
    }

    internal static void Restore(Listener? previous) => Current.Value = previous;

    /// <summary>Letters, digits, space, '-', '_' and '.' only (anything else becomes '?'), at most <see cref="MaxRegionNameLength"/> characters.</summary>
    internal static string Clean(string name)
    {
        var trimmed = name.Trim();
        if (trimmed.Length == 0)
        {
            return "(empty)";
        }

        var length = Math.Min(trimmed.Length, MaxRegionNameLength);
        return string.Create(length, trimmed, static (span, s) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                var c = s[i];
                span[i] = char.IsAsciiLetterOrDigit(c) || c is ' ' or '-' or '_' or '.' ? c : '?';
            }
        });
    }

    /// <summary>One reported region: the provider's name for it and its jurisdiction (null: unmapped).</summary>
    internal readonly record struct ServedRegion(string Name, Region? Jurisdiction);

    /// <summary>What one attempt reported. Mutable and thread-safe, so a handler on another thread can write to it.</summary>
    internal sealed class Listener
    {
        private const int MaxReports = 16;
        private readonly List<ServedRegion> _reports = [];

        public void Add(ServedRegion region)
        {
            lock (_reports)
            {
                if (_reports.Count < MaxReports)
                {
                    _reports.Add(region);
                }
            }
        }

        /// <summary>The first region reported, if any.</summary>
        public ServedRegion? First
        {
            get
            {
                lock (_reports)
                {
                    return _reports.Count > 0 ? _reports[0] : null;
                }
            }
        }

        /// <summary>The first report outside <paramref name="allowed"/> (or unmapped), if any.</summary>
        public ServedRegion? FirstOutside(IReadOnlyList<Region> allowed)
        {
            lock (_reports)
            {
                foreach (var r in _reports)
                {
                    if (r.Jurisdiction is not { } j || !allowed.Contains(j))
                    {
                        return r;
                    }
                }

                return null;
            }
        }
    }
}
