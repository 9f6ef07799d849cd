

namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// URLs that carry personal data: a query value, a fragment, an e-mail address, a long number, or a segment after a
/// people-like path such as <c>/users/</c> or <c>/profile/</c>. Plain URLs such as a help article are left alone.
/// </summary>
public sealed class PersonalUrlRecognizer : IPersonalDataRecognizer
{
    private static readonly HashSet<string> PeopleSegments = new(StringComparer.OrdinalIgnoreCase)
    {
        "u", "user", "users", "profile", "profiles", "account", "accounts", "customer", "customers", "people", "person",
        "member", "members", "contact", "contacts", "employee", "employees", "patient", "patients", "in", "@",
    };

    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(matches);
        foreach (var m in PersonalDataPatterns.Url().EnumerateMatches(text))
        {
            var length = m.Length;
            while (length > 0 && text[m.Index + length - 1] is '.' or ',' or ';' or ':' or '!' or '?' or ')' or ']')
            {
                length--;
            }

            if (Uri.TryCreate(text.Substring(m.Index, length), UriKind.Absolute, out var uri) && IsPersonal(uri))
            {
                matches.Add(new(m.Index, length, PersonalDataKind.Url));
            }
        }
    }

    private static bool IsPersonal(Uri uri)
    {
        if (uri.Query.Length > 1 && uri.Query.Contains('=', StringComparison.Ordinal))
        {
            foreach (var pair in uri.Query.TrimStart('?').Split('&'))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq >= 0 && eq < pair.Length - 1)
                {
                    return true;
                }
            }
        }

        if (uri.Fragment.Length > 1 || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return true;
        }

        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < segments.Length; i++)
        {
            var s = Uri.UnescapeDataString(segments[i]);
            if (s.Contains('@', StringComparison.Ordinal) || s.Count(char.IsAsciiDigit) >= 4
                || (PeopleSegments.Contains(s) && i < segments.Length - 1))
            {
                return true;
            }
        }

        return false;
    }
}
