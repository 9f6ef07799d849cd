using System.Buffers;
using System.Runtime.CompilerServices;

namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// The names of the conversation's participants: a full name, or any part of one of two or more letters, as a whole word.
/// A part that is also an everyday English word ("Mark", "Will", "Grace", "Bill") counts only where it reads as a name:
/// capitalised and not opening a sentence, or next to another part of the name ("Mark Smith"). So an agent named Mark
/// does not turn "Mark this ticket as solved" or "bookmark" into a person, while "Thanks Mark!" is one. Other parts match
/// in any case ("lopez"); name particles (<c>de</c>, <c>van</c>, <c>al</c>, ...) only inside a full name.
/// </summary>
public sealed class ParticipantNameRecognizer : IPersonalDataRecognizer
{
    private static readonly HashSet<string> Particles = new(StringComparer.OrdinalIgnoreCase)
    {
        "al", "el", "da", "das", "de", "del", "della", "der", "des", "di", "do", "dos", "du", "la", "le", "van", "von", "den", "ter",
        "bin", "ibn", "mc", "mac", "st", "jr", "sr", "ii", "iii", "mr", "mrs", "ms", "dr",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> ParticleLookup = Particles.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>First names and surnames that are also common English words; they need a name's context.</summary>
    private static readonly HashSet<string> EverydayWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "mark", "will", "bill", "grace", "hope", "joy", "rose", "may", "june", "april", "august", "art", "pat", "sue", "rich",
        "frank", "dawn", "faith", "max", "jack", "ray", "drew", "chase", "lane", "reed", "page", "young", "brown", "white",
        "black", "green", "gray", "grey", "long", "love", "king", "hunter", "miles", "gene", "sky", "summer", "autumn",
        "amber", "ruby", "pearl", "ivy", "holly", "iris", "daisy", "lily", "violet", "rob", "bob", "don", "dean", "ward",
        "cook", "baker", "carter", "mason", "cooper", "parker", "porter", "fisher", "taylor", "archer", "bishop", "major",
        "price", "rice", "hill", "wood", "woods", "stone", "field", "fields", "marsh", "moss", "bush", "lake", "brook",
        "banks", "case", "cash", "bell", "bond", "best", "little", "small", "short", "strong", "sharp", "wise", "good",
        "golden", "noble", "west", "north", "south", "east", "english", "french", "gold", "silver", "hall", "house", "street",
        "church", "ford", "walker", "turner", "miller", "butler", "hart", "fox", "wolf", "crane", "swift",
        "sunny", "honey", "angel", "champ", "guy", "buddy", "sonny", "star", "storm", "rain", "river", "forest", "heath",
        "dale", "glen", "lee", "can", "son", "ken", "nick", "sam", "tim", "dot", "kit", "pip", "sol", "val", "win", "cliff",
        "rusty", "hazel", "olive", "sage", "jade", "crystal", "destiny", "harmony", "justice", "liberty", "melody", "patience",
        "trinity", "christian", "earl", "duke", "prince", "baron", "lord", "knight", "sterling", "penny", "bud", "mercy",
        "ash", "birch", "bean", "cherry", "berry", "peach", "lemon", "apple", "post", "press", "mill", "well", "wells",
        "ask", "dash", "flash", "spark", "mars", "neil", "ben", "tom", "al", "ed", "mo", "jo", "an", "ali", "are", "is",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> EverydayLookup = EverydayWords.GetAlternateLookup<ReadOnlySpan<char>>();

    private readonly ConditionalWeakTable<IReadOnlyList<string>, Names> _cache = new();

    /// <inheritdoc/>
    public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(matches);
        if (context.ParticipantNames.Count == 0 || text.Length == 0)
        {
            return;
        }

        var names = _cache.GetValue(context.ParticipantNames, Names.Build);
        if (names.Parts.Count == 0)
        {
            return;
        }

        var s = text.AsSpan();
        var i = 0;
        while (i < s.Length)
        {
            var k = s[i..].IndexOfAny(names.Search);
            if (k < 0)
            {
                return;
            }

            i += k;
            var end = WordEnd(s, i);
            if ((i > 0 && char.IsLetterOrDigit(s[i - 1])) || !names.Lookup.Contains(s[i..end]))
            {
                i = end == i ? i + 1 : end;
                continue;
            }

            // Extend over further parts of a name: "Jane Doe", "Doe, Jane", "jane.doe".
            var first = s[i..end];
            var last = end;
            var parts = 1;
            while (true)
            {
                var gap = last;
                while (gap < s.Length && gap - last < 3 && s[gap] is ' ' or '\t' or '\u00A0' or ',' or '.' or '-')
                {
                    gap++;
                }

                if (gap == last || gap >= s.Length)
                {
                    break;
                }

                var nextEnd = WordEnd(s, gap);
                if (nextEnd == gap || (nextEnd < s.Length && s[nextEnd] is '@') || !(names.Lookup.Contains(s[gap..nextEnd]) || (ParticleLookup.Contains(s[gap..nextEnd]) && FollowedByPart(s, nextEnd, names))))
                {
                    break;
                }

                last = nextEnd;
                parts++;
            }

            if (parts > 1 || ReadsAsName(s, i, first))
            {
                matches.Add(new(i, last - i, PersonalDataKind.Person));
            }

            i = last;
        }
    }

    private static bool FollowedByPart(ReadOnlySpan<char> s, int at, Names names)
    {
        if (at >= s.Length || s[at] != ' ')
        {
            return false;
        }

        var end = WordEnd(s, at + 1);
        return end > at + 1 && names.Lookup.Contains(s[(at + 1)..end]);
    }

    private static bool ReadsAsName(ReadOnlySpan<char> s, int at, ReadOnlySpan<char> word)
    {
        if (ParticleLookup.Contains(word))
        {
            return false;
        }

        if (!EverydayLookup.Contains(word))
        {
            return true;
        }

        // An everyday word: only capitalised (not shouting in capitals), and not where any word would be capitalised.
        return char.IsUpper(word[0]) && (word.Length == 1 || char.IsLower(word[1])) && !OpensSentence(s, at);
    }

    private static bool OpensSentence(ReadOnlySpan<char> s, int at)
    {
        var p = at - 1;
        while (p >= 0 && (s[p] is ' ' or '\t' or '\u00A0' or '"' or '\'' or '(' or '*' or '_' || s[p] is '\u201C' or '\u2018'))
        {
            p--;
        }

        return p < 0 || s[p] is '.' or '!' or '?' or ':' or '\n' or '\r' or '\u2026' or '-' or '>';
    }

    private static int WordEnd(ReadOnlySpan<char> s, int at)
    {
        var p = at;
        while (p < s.Length && (char.IsLetter(s[p]) || (s[p] is '\'' or '\u2019' && p + 1 < s.Length && char.IsLetter(s[p + 1]) && p > at)))
        {
            p++;
        }

        return p;
    }

    private sealed class Names
    {
        private Names(HashSet<string> parts)
        {
            Parts = parts;
            Lookup = parts.GetAlternateLookup<ReadOnlySpan<char>>();
            Search = SearchValues.Create(parts.Count == 0 ? ["\0"] : parts.ToArray(), StringComparison.OrdinalIgnoreCase);
        }

        public HashSet<string> Parts { get; }

        public HashSet<string>.AlternateLookup<ReadOnlySpan<char>> Lookup { get; }

        public SearchValues<string> Search { get; }

        public static Names Build(IReadOnlyList<string> participants)
        {
            var parts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in participants)
            {
                foreach (var part in (name ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    foreach (var word in SplitWords(part))
                    {
                        if (word.Length >= 2 && !Particles.Contains(word))
                        {
                            parts.Add(word);
                        }
                    }
                }
            }

            return new Names(parts);
        }

        private static IEnumerable<string> SplitWords(string part)
        {
            var start = -1;
            for (var i = 0; i <= part.Length; i++)
            {
                var letter = i < part.Length && (char.IsLetter(part[i]) || (part[i] is '\'' or '\u2019' && start >= 0));
                if (letter && start < 0)
                {
                    start = i;
                }
                else if (!letter && start >= 0)
                {
                    yield return part[start..i].TrimEnd('\'', '\u2019');
                    start = -1;
                }
            }
        }
    }
}
