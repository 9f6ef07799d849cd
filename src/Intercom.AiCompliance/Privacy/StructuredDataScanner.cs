using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace Intercom.AiCompliance.Privacy;

/// <summary>The structured kinds one scan reports; a scan always reads all of them so that, for example, an IP
/// address is never re-read as a telephone number when only telephone numbers are asked for.</summary>
[Flags]
internal enum StructuredKinds
{
    None = 0,
    Email = 1,
    Url = 2,
    Iban = 4,
    Card = 8,
    Ssn = 16,
    IpAddress = 32,
    Phone = 64,
    All = Email | Url | Iban | Card | Ssn | IpAddress | Phone,
}

/// <summary>
/// One pass over the text that finds e-mail addresses, URLs, IBANs, payment cards, SSNs, IP addresses and telephone
/// numbers. A vectorised search jumps to the few characters that can start or anchor one (a digit, <c>@</c>, <c>:</c>,
/// <c>+</c>); each candidate is then read locally and validated (Luhn, mod-97, SSA rules, octets, libphonenumber's
/// numbering plans). A run of digit groups is read once and classified in priority order: IP address, date or time
/// (never reported), SSN, card, telephone number. Digits glued to letters (<c>1Z3F4470538826687E</c>) belong to an
/// identifier and are never read as a number; an IBAN-shaped token that fails mod-97 is skipped as a whole.
/// </summary>
internal sealed class StructuredDataScanner
{
    private const int MaxGroups = 16;
    private const int MaxPhoneDigits = 17;
    private static readonly SearchValues<char> Triggers = SearchValues.Create("0123456789@:+");
    private static readonly SearchValues<char> UrlStop = SearchValues.Create(" \t\r\n\f\v<>\"'`\u00A0");
    private static readonly SearchValues<string> PhoneWords = SearchValues.Create(
        ["phone", "tel", "mobile", "cell", "fax", "call", "ring", "sms", "text", "message", "whatsapp", "desk", "landline",
         "dial", "answering"],
        StringComparison.OrdinalIgnoreCase);

    private static readonly HashSet<string> PeopleSegments = new(StringComparer.OrdinalIgnoreCase)
    {
        "u", "user", "users", "profile", "profiles", "account", "accounts", "customer", "customers", "people", "person",
        "member", "members", "contact", "contacts", "employee", "employees", "patient", "patients", "in", "@",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> PeopleLookup =
        PeopleSegments.GetAlternateLookup<ReadOnlySpan<char>>();

    private readonly string _text;
    private readonly StructuredKinds _kinds;
    private readonly IReadOnlyList<PhoneNumberValidator.Region> _regions;
    private readonly bool _everyUrl;
    private readonly ICollection<PersonalDataMatch> _matches;
    private readonly Group[] _groups = new Group[MaxGroups];
    private int _count;
    private bool _plus;
    private int _plusAt;
    private int _extensionEnd;

    private StructuredDataScanner(string text, StructuredKinds kinds, IReadOnlyList<PhoneNumberValidator.Region> regions, bool everyUrl, ICollection<PersonalDataMatch> matches)
    {
        _text = text;
        _kinds = kinds;
        _regions = regions;
        _everyUrl = everyUrl;
        _matches = matches;
    }

    /// <summary>Adds every structured identifier of <paramref name="kinds"/> in <paramref name="text"/> to <paramref name="matches"/>.</summary>
    public static void Scan(string text, StructuredKinds kinds, IReadOnlyList<PhoneNumberValidator.Region> regions, bool everyUrl, ICollection<PersonalDataMatch> matches)
    {
        if (text.Length == 0 || kinds == StructuredKinds.None)
        {
            return;
        }

        new StructuredDataScanner(text, kinds, regions, everyUrl, matches).Run();
    }

    private void Run()
    {
        var s = _text.AsSpan();
        var i = 0;
        while (i < s.Length)
        {
            var k = s[i..].IndexOfAny(Triggers);
            if (k < 0)
            {
                return;
            }

            i += k;
            var next = s[i] switch
            {
                '@' => Email(i),
                ':' => UrlOrIpv6(i),
                '+' => Plus(i),
                _ => Digits(i),
            };
            i = Math.Max(next, i + 1);
        }
    }

    private void Emit(int start, int end, StructuredKinds kind, PersonalDataKind personalDataKind)
    {
        if ((_kinds & kind) != 0 && end > start)
        {
            _matches.Add(new(start, end - start, personalDataKind));
        }
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static bool IsDigit(ReadOnlySpan<char> s, int at) => (uint)at < (uint)s.Length && char.IsAsciiDigit(s[at]);

    // ---------------------------------------------------------------- e-mail

    private int Email(int at)
    {
        var s = _text.AsSpan();
        var start = at;
        while (start > 0 && at - start < 65 && IsLocalChar(s[start - 1]))
        {
            start--;
        }

        if (start == at || at - start > 64 || (start > 0 && (IsWordChar(s[start - 1]) || IsLocalChar(s[start - 1]))))
        {
            return at + 1;
        }

        var local = s[start..at];
        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return at + 1;
        }

        // Domain labels separated by dots; the last label that is 2 to 24 letters ends the address.
        var p = at + 1;
        var end = -1;
        var labels = 0;
        while (true)
        {
            var labelStart = p;
            while (p < s.Length && (char.IsAsciiLetterOrDigit(s[p]) || s[p] == '-') && p - labelStart < 63)
            {
                p++;
            }

            if (p == labelStart)
            {
                break;
            }

            labels++;
            var label = s[labelStart..p];
            if (labels >= 2 && label.Length is >= 2 and <= 24 && !label.ContainsAnyExcept(AsciiLetters)
                && (p == s.Length || !(IsWordChar(s[p]) || s[p] == '-')))
            {
                end = p;
            }

            if (p + 1 < s.Length && s[p] == '.' && (char.IsAsciiLetterOrDigit(s[p + 1]) || s[p + 1] == '-'))
            {
                p++;
                continue;
            }

            break;
        }

        if (end < 0)
        {
            return at + 1;
        }

        Emit(start, end, StructuredKinds.Email, PersonalDataKind.Email);
        return end;
    }

    private static readonly SearchValues<char> AsciiLetters = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private static bool IsLocalChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-';

    // ---------------------------------------------------------------- URL and IPv6

    private int UrlOrIpv6(int at)
    {
        var s = _text.AsSpan();
        if (at + 2 < s.Length && s[at + 1] == '/' && s[at + 2] == '/')
        {
            var schemeStart = at;
            while (schemeStart > 0 && char.IsAsciiLetter(s[schemeStart - 1]) && at - schemeStart <= 5)
            {
                schemeStart--;
            }

            var scheme = s[schemeStart..at];
            if ((scheme.Equals("http", StringComparison.OrdinalIgnoreCase) || scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
                && (schemeStart == 0 || !IsWordChar(s[schemeStart - 1])))
            {
                return Url(schemeStart, at + 3);
            }
        }

        return Ipv6(at);
    }

    private int Url(int start, int afterScheme)
    {
        var s = _text.AsSpan();
        var stop = s[afterScheme..].IndexOfAny(UrlStop);
        var end = stop < 0 ? s.Length : afterScheme + stop;
        var scanned = end;
        while (end > afterScheme && s[end - 1] is '.' or ',' or ';' or ':' or '!' or '?' or ')' or ']')
        {
            end--;
        }

        var rest = s[afterScheme..end];
        var authorityEnd = rest.IndexOfAny('/', '?', '#');
        var authority = authorityEnd < 0 ? rest : rest[..authorityEnd];
        if (authority.Length > 0 && (_everyUrl || IsPersonal(authority, authorityEnd < 0 ? [] : rest[authorityEnd..])))
        {
            Emit(start, end, StructuredKinds.Url, PersonalDataKind.Url);
        }

        return scanned;
    }

    /// <summary>
    /// A URL carries personal data when it has user info, a query value, a fragment, an e-mail address or a long
    /// number in a path segment, or a segment after a people-like one (<c>/users/jane</c>).
    /// </summary>
    private static bool IsPersonal(ReadOnlySpan<char> authority, ReadOnlySpan<char> tail)
    {
        if (authority.Contains('@'))
        {
            return true;
        }

        var hash = tail.IndexOf('#');
        if (hash >= 0)
        {
            if (tail.Length - hash > 1)
            {
                return true;
            }

            tail = tail[..hash];
        }

        var question = tail.IndexOf('?');
        if (question >= 0)
        {
            foreach (var range in tail[(question + 1)..].Split('&'))
            {
                var pair = tail[(question + 1)..][range];
                var eq = pair.IndexOf('=');
                if (eq >= 0 && eq < pair.Length - 1)
                {
                    return true;
                }
            }

            tail = tail[..question];
        }

        // Path segments; a people-like one counts only when a non-empty segment follows it.
        var previousWasPeople = false;
        foreach (var range in tail.Split('/'))
        {
            var segment = tail[range];
            if (segment.Length == 0)
            {
                continue;
            }

            if (previousWasPeople || segment.Contains('@') || segment.Contains("%40", StringComparison.OrdinalIgnoreCase) || CountDigits(segment) >= 4)
            {
                return true;
            }

            previousWasPeople = PeopleLookup.Contains(segment);
        }

        return false;
    }

    private static int CountDigits(ReadOnlySpan<char> s)
    {
        var n = 0;
        foreach (var c in s)
        {
            if (char.IsAsciiDigit(c))
            {
                n++;
            }
        }

        return n;
    }

    private int Ipv6(int at)
    {
        var s = _text.AsSpan();
        var start = at;
        while (start > 0 && (char.IsAsciiHexDigit(s[start - 1]) || s[start - 1] == ':') && at - start < 40)
        {
            start--;
        }

        if (start > 0 && (IsWordChar(s[start - 1]) || s[start - 1] is '.' or ':'))
        {
            return at + 1;
        }

        var end = at;
        while (end < s.Length && (char.IsAsciiHexDigit(s[end]) || s[end] is ':' or '.') && end - start < 46)
        {
            end++;
        }

        while (end > at && s[end - 1] == '.')
        {
            end--;
        }

        if (end < s.Length && IsWordChar(s[end]))
        {
            return at + 1;
        }

        var value = s[start..end];
        if (value.Count(':') >= 2 && value.ContainsAnyExcept(':') && IPAddress.TryParse(value, out var ip)
            && ip.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Emit(start, end, StructuredKinds.IpAddress, PersonalDataKind.IpAddress);
            return end;
        }

        return at + 1;
    }

    // ---------------------------------------------------------------- numbers

    private int Plus(int at)
    {
        var s = _text.AsSpan();
        if (at > 0 && (IsWordChar(s[at - 1]) || s[at - 1] == '+'))
        {
            return at + 1;
        }

        var first = at + 1;
        if (first < s.Length && s[first] == '(' && IsDigit(s, first + 1))
        {
            first++;
        }

        return IsDigit(s, first) ? Numbers(first, plus: true, plusAt: at) : at + 1;
    }

    private int Digits(int at)
    {
        var s = _text.AsSpan();
        if (at > 0)
        {
            var prev = s[at - 1];
            if (char.IsLetter(prev) || prev == '_')
            {
                // Two letters and two digits at a token start may be an IBAN; anything else is an identifier.
                if (at >= 2 && char.IsAsciiLetter(prev) && char.IsAsciiLetter(s[at - 2]) && (at == 2 || !IsWordChar(s[at - 3]))
                    && IsDigit(s, at + 1))
                {
                    var ibanEnd = Iban(at - 2);
                    if (ibanEnd > 0)
                    {
                        return ibanEnd;
                    }
                }

                return SkipToken(at);
            }

            if (char.IsDigit(prev))
            {
                return SkipToken(at);
            }

            // Minutes of a time (08:38), the rest of a decimal (1,234), or digits hyphenated onto a word (INV-2023).
            if (at >= 2 && (((prev is ':' or ',') && char.IsAsciiDigit(s[at - 2])) || ((prev is '-' or '.' or '/') && IsWordChar(s[at - 2]))))
            {
                return SkipToken(at);
            }
        }

        return Numbers(at, plus: false, plusAt: -1);
    }

    private int SkipToken(int at)
    {
        var s = _text.AsSpan();
        var p = at;
        while (p < s.Length && IsWordChar(s[p]))
        {
            p++;
        }

        return p;
    }

    private int Iban(int start)
    {
        var s = _text.AsSpan();
        Span<int> ends = stackalloc int[40];
        Span<char> buffer = stackalloc char[34];
        var chars = 0;
        var endCount = 0;
        var p = start;

        // One unbroken token, or groups of four separated by single spaces with a shorter last group, as IBANs are
        // printed. Words after it ("... 7654 32 today", "AB12 call me") are never part of it.
        while (p < s.Length && chars < 34)
        {
            var tokenStart = p;
            while (p < s.Length && char.IsAsciiLetterOrDigit(s[p]) && chars < 34)
            {
                buffer[chars++] = s[p++];
            }

            var token = p - tokenStart;
            if (p < s.Length && char.IsLetterOrDigit(s[p]))
            {
                // Runs on past 34 characters or into a non-ASCII letter: not an IBAN's end.
                break;
            }

            ends[endCount++] = p;
            var grouped = token == 4;
            if (!grouped || p + 1 >= s.Length || s[p] != ' ' || !char.IsAsciiLetterOrDigit(s[p + 1]))
            {
                break;
            }

            // The next group joins only if it is four characters, or a shorter last one.
            var next = p + 1;
            var q = next;
            while (q < s.Length && char.IsAsciiLetterOrDigit(s[q]))
            {
                q++;
            }

            if (q - next > 4 || (q < s.Length && char.IsLetterOrDigit(s[q])))
            {
                break;
            }

            p = next;
        }

        if (chars < 15)
        {
            return -1;
        }

        for (var e = endCount - 1; e >= 0; e--)
        {
            var length = AlnumCount(s[start..ends[e]]);
            if (length < 15)
            {
                break;
            }

            if (IbanRecognizer.IsValid(buffer[..length]))
            {
                Emit(start, ends[e], StructuredKinds.Iban, PersonalDataKind.Iban);
                return ends[e];
            }
        }

        // IBAN-shaped but failing mod-97: skip it whole, so no card or phone is read out of its digits.
        return endCount > 0 ? ends[endCount - 1] : SkipToken(start);
    }

    private static int AlnumCount(ReadOnlySpan<char> s)
    {
        var n = 0;
        foreach (var c in s)
        {
            if (c != ' ')
            {
                n++;
            }
        }

        return n;
    }

    private int Numbers(int first, bool plus, int plusAt)
    {
        var s = _text.AsSpan();
        _plus = plus;
        _plusAt = plusAt;
        _count = 0;
        _extensionEnd = -1;
        var p = first;
        var open = first > 0 && s[first - 1] == '(';
        var sep = '\0';
        var resume = first;
        while (_count < MaxGroups)
        {
            var start = p;
            while (p < s.Length && char.IsAsciiDigit(s[p]))
            {
                p++;
            }

            // An extension: 3560x4587.
            if (p + 1 < s.Length && s[p] is 'x' or 'X' && char.IsAsciiDigit(s[p + 1]) && _count > 0)
            {
                var e = p + 1;
                while (e < s.Length && char.IsAsciiDigit(s[e]))
                {
                    e++;
                }

                if (e == s.Length || !IsWordChar(s[e]))
                {
                    _groups[_count++] = new Group(start, p, sep, open, false, false);
                    _extensionEnd = e;
                    resume = e;
                    break;
                }
            }

            if (p < s.Length && (char.IsLetter(s[p]) || s[p] == '_'))
            {
                // Glued to letters: an identifier, not a number. Earlier groups stand on their own.
                resume = _count == 0 ? SkipToken(start) : start;
                break;
            }

            var hour = p + 1 < s.Length && s[p] == ':' && char.IsAsciiDigit(s[p + 1]);
            var closed = false;
            var q = p;
            if (open && q < s.Length && s[q] == ')')
            {
                closed = true;
                q++;
            }

            _groups[_count++] = new Group(start, p, sep, open, closed, hour);
            resume = p;
            if (hour || q >= s.Length)
            {
                break;
            }

            // The separator to the next group: one of space, '-', '.', '/', or a parenthesis with optional space.
            open = false;
            var c = s[q];
            if (closed && char.IsAsciiDigit(c))
            {
                sep = ')';
                p = q;
                continue;
            }

            if (c is ' ' or '-' or '.' or '/' or '\u00A0')
            {
                if (IsDigit(s, q + 1))
                {
                    sep = c == '\u00A0' ? ' ' : c;
                    p = q + 1;
                    continue;
                }

                if (c == ' ' && q + 2 < s.Length && s[q + 1] == '(' && IsDigit(s, q + 2))
                {
                    sep = '(';
                    open = true;
                    p = q + 2;
                    continue;
                }

                if (c == ' ' && q + 3 < s.Length && s[q + 1] == '-' && s[q + 2] == ' ' && IsDigit(s, q + 3))
                {
                    sep = '-';
                    p = q + 3;
                    continue;
                }
            }
            else if (c == '(' && IsDigit(s, q + 1))
            {
                sep = '(';
                open = true;
                p = q + 1;
                continue;
            }

            break;
        }

        Classify();
        return resume;
    }

    private void Classify()
    {
        var g = 0;
        while (g < _count)
        {
            if (_groups[g].Hour)
            {
                g++;
                continue;
            }

            var used = IpV4(g);
            if (used == 0)
            {
                used = Date(g);
            }

            if (used == 0)
            {
                used = Ssn(g);
            }

            if (used == 0)
            {
                used = Card(g);
            }

            if (used == 0)
            {
                used = Phone(g);
            }

            g += Math.Max(used, 1);
        }
    }

    private ReadOnlySpan<char> Value(int g) => _text.AsSpan(_groups[g].Start, _groups[g].Length);

    private bool PlusAt(int g) => g == 0 && _plus;

    private int IpV4(int g)
    {
        if (PlusAt(g) || g + 3 >= _count || (g > 0 && _groups[g].Sep == '.') || (g + 4 < _count && _groups[g + 4].Sep == '.'))
        {
            return 0;
        }

        for (var j = g; j < g + 4; j++)
        {
            if ((j > g && _groups[j].Sep != '.') || _groups[j].Length is < 1 or > 3 || ToInt(Value(j)) > 255 || _groups[j].Open)
            {
                return 0;
            }
        }

        Emit(_groups[g].Start, _groups[g + 3].End, StructuredKinds.IpAddress, PersonalDataKind.IpAddress);
        return 4;
    }

    private int Date(int g)
    {
        if (PlusAt(g) || g + 2 >= _count)
        {
            return 0;
        }

        var sep = _groups[g + 1].Sep;
        if (sep is not ('-' or '/' or '.') || _groups[g + 2].Sep != sep || (g + 3 < _count && _groups[g + 3].Sep == sep))
        {
            return 0;
        }

        var (a, b, c) = (_groups[g].Length, _groups[g + 1].Length, _groups[g + 2].Length);
        var (x, y, z) = (ToInt(Value(g)), ToInt(Value(g + 1)), ToInt(Value(g + 2)));
        var isoDate = a == 4 && b is 1 or 2 && c is 1 or 2 && y is >= 1 and <= 12 && z is >= 1 and <= 31;
        var dayMonthYear = a is 1 or 2 && b is 1 or 2 && c is 2 or 4 && x is >= 1 and <= 31 && y is >= 1 and <= 31 && (x <= 12 || y <= 12);
        return isoDate || dayMonthYear ? 3 : 0;
    }

    private int Ssn(int g)
    {
        if (PlusAt(g) || g + 2 >= _count || _groups[g].Length != 3 || _groups[g + 1].Length != 2 || _groups[g + 2].Length != 4
            || _groups[g + 2].Hour)
        {
            return 0;
        }

        var sep = _groups[g + 1].Sep;
        if (sep is not ('-' or ' ') || _groups[g + 2].Sep != sep || (g > 0 && _groups[g].Sep == '-') || (g + 3 < _count && _groups[g + 3].Sep == '-'))
        {
            return 0;
        }

        if (SsnRecognizer.IsValid(Value(g), Value(g + 1), Value(g + 2)))
        {
            Emit(_groups[g].Start, _groups[g + 2].End, StructuredKinds.Ssn, PersonalDataKind.Ssn);
            return 3;
        }

        // Written 123-45-6789 it is an SSN the SSA never issued, not a telephone number.
        return sep == '-' ? 3 : 0;
    }

    private int Card(int g)
    {
        if (PlusAt(g) || _groups[g].Open || Value(g).StartsWith("00", StringComparison.Ordinal))
        {
            return 0;
        }

        Span<char> digits = stackalloc char[19];
        Span<int> lengths = stackalloc int[MaxGroups];
        var n = 0;
        var last = g - 1;
        var sep = '\0';
        for (var j = g; j < _count && !_groups[j].Hour; j++)
        {
            if (j > g)
            {
                if (sep == '\0')
                {
                    sep = _groups[j].Sep;
                }

                if (_groups[j].Sep != sep || sep is not (' ' or '-'))
                {
                    break;
                }
            }

            if (n + _groups[j].Length > 19)
            {
                break;
            }

            Value(j).CopyTo(digits[n..]);
            n += _groups[j].Length;
            lengths[j - g] = n;
            last = j;
        }

        var shaped = -1;
        for (var j = last; j >= g; j--)
        {
            var count = lengths[j - g];
            // Only numbers that start like a card network's count: others are left to the telephone check. A window
            // followed by another group of four in the same run is the front of a longer number, never a card itself.
            if (count < 12 || !IsCardShaped(g, j, count) || !PaymentCardRecognizer.HasKnownPrefix(digits[..count])
                || (j < last && _groups[j + 1].Length == 4))
            {
                continue;
            }

            if (shaped < 0)
            {
                shaped = j;
            }

            if (PaymentCardRecognizer.IsLuhnValid(digits[..count]))
            {
                Emit(_groups[g].Start, _groups[j].End, StructuredKinds.Card, PersonalDataKind.Card);
                return j - g + 1;
            }
        }

        // Card-shaped with a network's prefix but failing Luhn: not a card, and not to be re-read as a telephone number.
        return shaped < 0 ? 0 : shaped - g + 1;
    }

    private bool IsCardShaped(int g, int last, int digits)
    {
        if (digits is < 12 or > 19)
        {
            return false;
        }

        if (last == g)
        {
            return true;
        }

        // 4-4-4-4(-3) and the like, or Amex's 4-6-5.
        var amex = last == g + 2 && _groups[g].Length == 4 && _groups[g + 1].Length == 6 && _groups[g + 2].Length == 5;
        if (amex)
        {
            return true;
        }

        for (var j = g; j < last; j++)
        {
            if (_groups[j].Length != 4)
            {
                return false;
            }
        }

        return _groups[last].Length <= 4;
    }

    private int Phone(int g)
    {
        var s = _text.AsSpan();
        var international = PlusAt(g);
        var skipZeros = 0;
        if (!international && Value(g).StartsWith("00", StringComparison.Ordinal) && Value(g).Length > 2 && Value(g)[2] != '0')
        {
            international = true;
            skipZeros = 2;
        }

        Span<char> digits = stackalloc char[MaxPhoneDigits];
        Span<int> counts = stackalloc int[MaxGroups];
        var n = 0;
        var last = g - 1;
        for (var j = g; j < _count && !_groups[j].Hour; j++)
        {
            var value = j == g ? Value(j)[skipZeros..] : Value(j);

            // "+46 (0)8 ...": the trunk zero in brackets is not dialled from abroad.
            if (international && j > g && _groups[j].Open && value is "0")
            {
                counts[j - g] = n;
                last = j;
                continue;
            }

            if (n + value.Length > MaxPhoneDigits)
            {
                break;
            }

            value.CopyTo(digits[n..]);
            n += value.Length;
            counts[j - g] = n;
            last = j;
        }

        var start = international && g == 0 && _plus ? _plusAt : _groups[g].Open ? _groups[g].Start - 1 : _groups[g].Start;
        var lenient = international || NearPhoneWord(start, _groups[last < g ? g : last].End);
        for (var pass = 0; pass < (lenient ? 2 : 1); pass++)
        {
            for (var j = last; j >= g; j--)
            {
                var d = digits[..counts[j - g]];
                var ok = international
                    ? PhoneNumberValidator.IsInternational(d, lenient: pass == 1)
                    : PhoneNumberValidator.IsNational(d, _regions, lenient: pass == 1);
                if (ok)
                {
                    var end = j == _count - 1 && _extensionEnd > 0 ? _extensionEnd : _groups[j].Closed ? _groups[j].End + 1 : _groups[j].End;
                    Emit(start, end, StructuredKinds.Phone, PersonalDataKind.Phone);
                    return j - g + 1;
                }
            }
        }

        return 0;
    }

    /// <summary>Whether a telephone word starts a word just before the number ("Phone: ", "call me on ") or just after it ("... fax").</summary>
    private bool NearPhoneWord(int start, int end)
    {
        var from = Math.Max(0, start - 16);
        var to = Math.Min(_text.Length, end + 12);
        var window = _text.AsSpan(from, to - from);
        var offset = 0;
        while (offset < window.Length)
        {
            var k = window[offset..].IndexOfAny(PhoneWords);
            if (k < 0)
            {
                return false;
            }

            var at = from + offset + k;
            if (at == 0 || !char.IsLetter(_text[at - 1]))
            {
                return true;
            }

            offset += k + 1;
        }

        return false;
    }

    private static int ToInt(ReadOnlySpan<char> digits)
    {
        var value = 0;
        foreach (var c in digits)
        {
            value = (value * 10) + (c - '0');
            if (value > 100_000)
            {
                return value;
            }
        }

        return value;
    }

    private readonly record struct Group(int Start, int End, char Sep, bool Open, bool Closed, bool Hour)
    {
        public int Length => End - Start;
    }
}
