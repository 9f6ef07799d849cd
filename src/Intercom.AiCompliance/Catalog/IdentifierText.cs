using System.Globalization;

namespace Intercom.AiCompliance.Catalog;

/// <summary>Checks on ids and names that end up in plans, audit records, logs, metrics and the disclosure.</summary>
internal static class IdentifierText
{
    /// <summary>
    /// Whether <paramref name="text"/> holds a control or invisible formatting character (newline, ANSI escape, zero-width
    /// or bidirectional marks): such an id could forge lines in logs or the disclosure, or hide its true spelling.
    /// </summary>
    public static bool HasControlCharacters(string? text)
    {
        if (text is null)
        {
            return false;
        }

        foreach (var c in text)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether <paramref name="text"/> mixes letters of different scripts (Latin with Cyrillic or Greek, for example), the
    /// usual shape of a lookalike such as <c>аzure-eu</c> with a Cyrillic <c>а</c>.
    /// </summary>
    public static bool IsMixedScript(string? text)
    {
        if (text is null)
        {
            return false;
        }

        var first = Script.None;
        foreach (var c in text)
        {
            var script = ScriptOf(c);
            if (script == Script.None)
            {
                continue;
            }

            if (first == Script.None)
            {
                first = script;
            }
            else if (script != first)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Returns a readable form of <paramref name="text"/> with every control or non-ASCII character escaped as <c>\uXXXX</c>.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new System.Text.StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is >= ' ' and <= '~')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
        }

        return sb.ToString();
    }

    private enum Script
    {
        None,
        Latin,
        Greek,
        Cyrillic,
        Armenian,
        Other,
    }

    private static Script ScriptOf(char c)
    {
        if (!char.IsLetter(c))
        {
            return Script.None;
        }

        return c switch
        {
            <= '\u024F' => Script.Latin,
            >= '\u0370' and <= '\u03FF' => Script.Greek,
            >= '\u0400' and <= '\u052F' => Script.Cyrillic,
            >= '\u0530' and <= '\u058F' => Script.Armenian,
            >= '\u1D00' and <= '\u1DBF' => Script.Latin,
            >= '\u1E00' and <= '\u1EFF' => Script.Latin,
            >= '\u1F00' and <= '\u1FFF' => Script.Greek,
            >= '\u2C60' and <= '\u2C7F' => Script.Latin,
            >= '\uA720' and <= '\uA7FF' => Script.Latin,
            >= '\uFF21' and <= '\uFF5A' => Script.Other, // full-width Latin: a lookalike of ASCII in its own right
            _ => Script.Other,
        };
    }
}
