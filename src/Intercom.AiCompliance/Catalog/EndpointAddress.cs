using System.Net;

namespace Intercom.AiCompliance.Catalog;

/// <summary>Recognises every spelling of a loopback or unspecified address in an endpoint.</summary>
/// <remarks>
/// <see cref="Uri.IsLoopback"/> alone misses <c>localhost.</c> (the fully qualified form), names under the reserved
/// <c>.localhost</c> domain, and the unspecified addresses <c>0.0.0.0</c> and <c>[::]</c>, which reach the local machine
/// on most systems. <see cref="Uri"/> already turns decimal, hexadecimal and octal IPv4 forms (<c>2130706433</c>,
/// <c>0x7f.1</c>, <c>0177.0.0.1</c>) and short forms (<c>127.1</c>) into dotted quads, so they are covered here too.
/// </remarks>
internal static class EndpointAddress
{
    public static bool IsLoopbackOrUnspecified(Uri uri)
    {
        if (uri.IsLoopback)
        {
            return true;
        }

        var host = uri.IdnHost.TrimEnd('.');
        if (host.Length == 0
            || host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            return false;
        }

        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        return IPAddress.IsLoopback(ip) || ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any) || ip.Equals(IPAddress.IPv6None);
    }
}
