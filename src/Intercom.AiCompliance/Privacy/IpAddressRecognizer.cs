using System.Net;

namespace Intercom.AiCompliance.Privacy;

/// <summary>IPv4 addresses (every octet 0-255) and IPv6 addresses (that parse).</summary>
public sealed class IpAddressRecognizer : IPersonalDataRecognizer
{
    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(matches);
        foreach (var m in PersonalDataPatterns.IPv4().EnumerateMatches(text))
        {
            var ok = true;
            foreach (var part in text.Substring(m.Index, m.Length).Split('.'))
            {
                ok &= int.TryParse(part, System.Globalization.CultureInfo.InvariantCulture, out var octet) && octet <= 255;
            }

            if (ok)
            {
                matches.Add(new(m.Index, m.Length, PersonalDataKind.IpAddress));
            }
        }

        foreach (var m in PersonalDataPatterns.IPv6Candidate().EnumerateMatches(text))
        {
            var value = text.AsSpan(m.Index, m.Length);
            if (value.Count(':') >= 2 && value.ContainsAnyExcept(':') && IPAddress.TryParse(value, out var ip)
                && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                matches.Add(new(m.Index, m.Length, PersonalDataKind.IpAddress));
            }
        }
    }
}
