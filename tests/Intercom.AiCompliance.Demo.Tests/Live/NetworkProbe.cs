using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Net;

namespace Intercom.AiCompliance.Demo.Tests.Live;

/// <summary>
/// Records, from the runtime's own event sources, every socket connect and every host name resolution made in this
/// process while it is alive. The demo's packages create their sockets through <c>SocketsHttpHandler</c>, which reports
/// both here, so what a run tried to reach is visible without touching its code.
/// </summary>
internal sealed class NetworkProbe : EventListener
{
    private readonly ConcurrentQueue<string> _connects = new();
    private readonly ConcurrentQueue<string> _resolutions = new();

    public IReadOnlyCollection<string> Connects => _connects;

    public IReadOnlyCollection<string> Resolutions => _resolutions;

    /// <summary>The connects whose address is not a loopback one.</summary>
    public IEnumerable<string> NonLoopbackConnects => _connects.Where(a => !IsLoopback(a));

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name is "System.Net.Sockets" or "System.Net.NameResolution")
        {
            EnableEvents(eventSource, EventLevel.Informational);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        var first = eventData.Payload is { Count: > 0 } p ? p[0]?.ToString() ?? string.Empty : string.Empty;
        if (eventData.EventSource.Name == "System.Net.Sockets" && eventData.EventName == "ConnectStart")
        {
            _connects.Enqueue(first);
        }
        else if (eventData.EventSource.Name == "System.Net.NameResolution" && eventData.EventName == "ResolutionStart")
        {
            _resolutions.Enqueue(first);
        }
    }

    /// <summary>Whether a connect's address (the text the sockets event source writes) is a loopback one.</summary>
    public static bool IsLoopback(string address)
    {
        if (IPEndPoint.TryParse(address, out var endpoint))
        {
            return IPAddress.IsLoopback(endpoint.Address);
        }

        // SocketAddress's own text: "InterNetwork:16:{port hi,port lo,a,b,c,d,...}" or
        // "InterNetworkV6:28:{port hi,port lo,flow x4,address x16,scope x4}". Anything else counts as not loopback.
        var open = address.IndexOf('{', StringComparison.Ordinal);
        var close = address.IndexOf('}', StringComparison.Ordinal);
        if (open < 0 || close < open)
        {
            return false;
        }

        var bytes = address[(open + 1)..close].Split(',').Select(b => byte.TryParse(b, out var v) ? v : (byte)0).ToArray();
        if (address.StartsWith("InterNetworkV6", StringComparison.Ordinal) && bytes.Length >= 22)
        {
            return IPAddress.IsLoopback(new IPAddress(bytes.AsSpan(6, 16)));
        }

        return address.StartsWith("InterNetwork:", StringComparison.Ordinal) && bytes.Length >= 6
            && IPAddress.IsLoopback(new IPAddress(bytes.AsSpan(2, 4)));
    }
}
