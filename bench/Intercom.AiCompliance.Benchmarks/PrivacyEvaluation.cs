using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Intercom.AiCompliance.Privacy;

namespace Intercom.AiCompliance.Benchmarks;

/// <summary>
/// Scores the personal-data detector on presidio-research's synthetic data set (<c>synth_dataset_v2.json</c>, 1,500
/// Faker-generated sentences, MIT licence), the way presidio-research's <c>SpanEvaluator</c> does: gold and predicted
/// spans are mapped to tokens (IO tags), runs of one tag become spans (merged across punctuation and skip words), a
/// prediction matches a gold span of its type when their token overlap (IoU over normalised tokens) reaches the
/// threshold, and precision, recall and F2 (beta = 2) are reported per entity, for the structured identifiers, and for
/// every entity as PII-or-not. Labels are mapped with presidio-research's <c>presidio_entities_map</c>.
/// </summary>
/// <remarks>
/// The data set is NOT part of this repository: it is read from <c>../shared/data/presidio-synth/</c> next to the
/// repository root (with its licence note), or from the path given with <c>--data</c>.
/// Usage: <c>dotnet run -c Release --project bench/Intercom.AiCompliance.Benchmarks -- --evaluate-privacy
/// [--iou 0.5] [--urls personal|every] [--regions US,GB,...] [--data path] [--errors]</c>.
/// </remarks>
internal static class PrivacyEvaluation
{
    private const string RelativeDataPath = "../shared/data/presidio-synth/synth_dataset_v2.json";

    /// <summary>presidio-research's <c>PresidioAnalyzerWrapper.presidio_entities_map</c>: data-set label to Presidio entity.</summary>
    private static readonly Dictionary<string, string> GoldMap = new(StringComparer.Ordinal)
    {
        ["PER"] = "PERSON", ["PERSON"] = "PERSON", ["FIRST_NAME"] = "PERSON", ["LAST_NAME"] = "PERSON", ["NAME"] = "PERSON",
        ["PATIENT"] = "PERSON", ["STAFF"] = "PERSON", ["HCW"] = "PERSON",
        ["LOC"] = "LOCATION", ["LOCATION"] = "LOCATION", ["GPE"] = "LOCATION", ["FACILITY"] = "LOCATION", ["CITY"] = "LOCATION",
        ["ADDRESS"] = "LOCATION", ["STREET_ADDRESS"] = "LOCATION", ["ZIP"] = "ZIP_CODE", ["ZIP_CODE"] = "ZIP_CODE",
        ["ORG"] = "ORGANIZATION", ["ORGANIZATION"] = "ORGANIZATION", ["VENDOR"] = "ORGANIZATION", ["NORP"] = "NRP", ["NRP"] = "NRP",
        ["NATIONALITY"] = "NRP", ["HOSP"] = "ORGANIZATION", ["PATORG"] = "ORGANIZATION", ["HOSPITAL"] = "ORGANIZATION",
        ["AGE"] = "AGE", ["ID"] = "ID", ["TITLE"] = "TITLE", ["PREFIX"] = "TITLE",
        ["CREDIT_CARD"] = "CREDIT_CARD", ["CREDIT_CARD_NUMBER"] = "CREDIT_CARD", ["IBAN_CODE"] = "IBAN_CODE", ["IBAN"] = "IBAN_CODE",
        ["DATE"] = "DATE_TIME", ["TIME"] = "DATE_TIME", ["DATE_TIME"] = "DATE_TIME", ["BIRTHDAY"] = "DATE_TIME",
        ["DATE_OF_BIRTH"] = "DATE_TIME", ["DOB"] = "DATE_TIME", ["PHONE"] = "PHONE_NUMBER", ["PHONE_NUMBER"] = "PHONE_NUMBER",
        ["DOMAIN_NAME"] = "URL", ["URL"] = "URL", ["DOMAIN"] = "URL", ["EMAIL"] = "EMAIL_ADDRESS", ["EMAIL_ADDRESS"] = "EMAIL_ADDRESS",
        ["IP_ADDRESS"] = "IP_ADDRESS", ["SSN"] = "US_SSN", ["US_SSN"] = "US_SSN", ["US_DRIVER_LICENSE"] = "US_DRIVER_LICENSE",
    };

    /// <summary>Our kinds in Presidio's entity names.</summary>
    private static readonly Dictionary<string, string> PredictionMap = new(StringComparer.Ordinal)
    {
        ["EMAIL"] = "EMAIL_ADDRESS", ["PHONE"] = "PHONE_NUMBER", ["CARD"] = "CREDIT_CARD", ["IBAN"] = "IBAN_CODE", ["SSN"] = "US_SSN",
        ["IP"] = "IP_ADDRESS", ["URL"] = "URL", ["DOMAIN"] = "URL", ["PERSON"] = "PERSON", ["COMPANY"] = "ORGANIZATION",
        ["ORGANIZATION"] = "ORGANIZATION", ["ADDRESS"] = "LOCATION", ["LOCATION"] = "LOCATION",
    };

    private static readonly string[] Structured = ["CREDIT_CARD", "EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "URL"];

    /// <summary>presidio-research's default skip words (skipwords.py), without spaCy's stop words.</summary>
    private static readonly HashSet<string> SkipWords = new(StringComparer.Ordinal)
    {
        "'s", "street", "st.", "st", "de", "rue", "via", "and", "a", "the", "or", "do", "as", "of", "day", "address", "country",
        "state", "city", "zip", "po", "apt", "unit", "corner", "p.o.", "box", "suite", "mr.", "mrs.", "miss", "year", "years", "y/o",
        ">>", ">>>", ">>>>",
    };

    public static int Run(string[] args)
    {
        var iou = double.Parse(Option(args, "--iou") ?? "0.5", CultureInfo.InvariantCulture);
        var urls = string.Equals(Option(args, "--urls"), "every", StringComparison.OrdinalIgnoreCase) ? UrlReporting.Every : UrlReporting.Personal;
        var regions = Option(args, "--regions")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var showErrors = args.Contains("--errors");
        var path = Option(args, "--data") ?? FindDataSet();
        if (path is null || !File.Exists(path))
        {
            Console.Error.WriteLine(
                $"The presidio-research data set was not found. It is read from {RelativeDataPath} relative to the repository root " +
                "(the folder holding AiCompliance.sln), or from --data <path>. Get synth_dataset_v2.json from the GitHub repository " +
                "microsoft/presidio-research (data/, MIT licence) and place it there.");
            return 2;
        }

        var samples = Load(path);
        var detector = PersonalDataDetector.Create([], structured: new StructuredDataRecognizer(regions, urls));
        var context = RecognitionContext.Empty;

        // Warm up (JIT, libphonenumber metadata) so the timing below is of detection.
        foreach (var sample in samples.Take(50))
        {
            detector.Detect(sample.Text, context);
        }

        var predictions = new List<PersonalDataMatch>[samples.Count];
        var chars = 0L;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < samples.Count; i++)
        {
            predictions[i] = [.. detector.Detect(samples[i].Text, context)];
            chars += samples[i].Text.Length;
        }

        watch.Stop();

        var perType = new Dictionary<string, Counts>(StringComparer.Ordinal);
        var pii = new Counts();
        var errors = new List<string>();
        var invalid = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            var tokens = Tokenize(sample.Text);
            var gold = Spans(tokens, sample.Text, sample.Spans.Select(s => (s.Start, s.End, GoldMap.GetValueOrDefault(s.Type, s.Type))));
            var predicted = Spans(tokens, sample.Text, predictions[i].Select(m => (m.Index, m.End, PredictionMap.GetValueOrDefault(m.Kind.Name, m.Kind.Name))));
            Compare(gold, predicted, iou, perType, t => t, errors, sample.Text);
            Compare(gold, predicted, iou, new Dictionary<string, Counts> { ["PII"] = pii }, _ => "PII", null, sample.Text);
            invalid += predictions[i].Count(m => IsInvalidChecksum(sample.Text.AsSpan(m.Index, m.Length), m.Kind));
        }

        Print(samples.Count, path, iou, urls, regions, perType, pii, invalid, chars, watch.Elapsed);
        if (showErrors)
        {
            foreach (var e in errors)
            {
                Console.WriteLine(e);
            }
        }

        return 0;
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string? FindDataSet()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "AiCompliance.sln")))
                {
                    return Path.GetFullPath(Path.Combine(dir.FullName, RelativeDataPath));
                }
            }
        }

        return null;
    }

    private static List<Sample> Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var json = JsonDocument.Parse(stream);
        var samples = new List<Sample>();
        foreach (var item in json.RootElement.EnumerateArray())
        {
            var spans = item.GetProperty("spans").EnumerateArray()
                .Select(s => new GoldSpan(s.GetProperty("entity_type").GetString()!, s.GetProperty("start_position").GetInt32(), s.GetProperty("end_position").GetInt32()))
                .ToList();
            samples.Add(new Sample(item.GetProperty("full_text").GetString()!, spans));
        }

        return samples;
    }

    /// <summary>Whitespace-separated words with leading and trailing punctuation split off, like spaCy's prefixes and suffixes.</summary>
    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }

            var end = i;
            while (end < text.Length && !char.IsWhiteSpace(text[end]))
            {
                end++;
            }

            var chunkEnd = end;
            var start = i;
            var suffixes = new Stack<Token>();
            while (start < end && "\"'([{<".Contains(text[start], StringComparison.Ordinal))
            {
                tokens.Add(new Token(start, start + 1));
                start++;
            }

            while (end > start && ".,;:!?\"')]}>".Contains(text[end - 1], StringComparison.Ordinal))
            {
                suffixes.Push(new Token(end - 1, end));
                end--;
            }

            if (end - start > 2 && text.AsSpan(end - 2, 2).Equals("'s", StringComparison.OrdinalIgnoreCase))
            {
                suffixes.Push(new Token(end - 2, end));
                end -= 2;
            }

            if (end > start)
            {
                tokens.Add(new Token(start, end));
            }

            tokens.AddRange(suffixes);
            i = chunkEnd;
        }

        tokens.Sort((a, b) => a.Start.CompareTo(b.Start));
        return tokens;
    }

    private static bool IsSkip(string text, Token t)
    {
        var value = text[t.Start..t.End];
        return value.All(char.IsPunctuation) || value.All(char.IsSymbol) || SkipWords.Contains(value.ToLowerInvariant());
    }

    /// <summary>IO-tags the tokens with the spans' types, then reads runs of one tag back as spans, merged across skip words.</summary>
    private static List<EvalSpan> Spans(List<Token> tokens, string text, IEnumerable<(int Start, int End, string Type)> spans)
    {
        var tags = new string?[tokens.Count];
        foreach (var (start, end, type) in spans)
        {
            if (type == "O")
            {
                continue;
            }

            for (var t = 0; t < tokens.Count; t++)
            {
                if (tokens[t].Start < end && start < tokens[t].End)
                {
                    tags[t] ??= type;
                }
            }
        }

        var result = new List<EvalSpan>();
        var i = 0;
        while (i < tokens.Count)
        {
            if (tags[i] is null)
            {
                i++;
                continue;
            }

            var type = tags[i]!;
            var members = new List<int>();
            var j = i;
            var lastTagged = i;
            while (j < tokens.Count && (tags[j] == type || (tags[j] is null && IsSkip(text, tokens[j]))))
            {
                if (tags[j] == type)
                {
                    lastTagged = j;
                    if (!IsSkip(text, tokens[j]))
                    {
                        members.Add(j);
                    }
                }

                j++;
            }

            if (members.Count > 0)
            {
                result.Add(new EvalSpan(type, [.. members], tokens[i].Start, tokens[lastTagged].End));
            }

            i = lastTagged + 1;
        }

        return result;
    }

    /// <summary>presidio-research's matching: per gold span, overlapping predictions grouped by type and scored by combined IoU.</summary>
    private static void Compare(List<EvalSpan> gold, List<EvalSpan> predicted, double threshold, Dictionary<string, Counts> counts,
        Func<string, string> key, List<string>? errors, string text)
    {
        var used = new bool[predicted.Count];
        foreach (var g in gold)
        {
            var goldType = key(g.Type);
            Get(counts, goldType).Annotated++;
            var overlapping = Enumerable.Range(0, predicted.Count).Where(p => predicted[p].Tokens.Overlaps(g.Tokens)).ToList();
            var matched = false;
            foreach (var group in overlapping.GroupBy(p => key(predicted[p].Type)))
            {
                var union = new HashSet<int>(g.Tokens);
                var intersection = new HashSet<int>();
                foreach (var p in group)
                {
                    union.UnionWith(predicted[p].Tokens);
                    intersection.UnionWith(predicted[p].Tokens.Intersect(g.Tokens));
                    used[p] = true;
                }

                var iou = (double)intersection.Count / union.Count;
                var c = Get(counts, group.Key);
                c.Predicted++;
                if (group.Key == goldType && iou >= threshold)
                {
                    c.TruePositives++;
                    matched = true;
                }
                else
                {
                    errors?.Add($"FP {group.Key,-14} iou={iou:0.00} '{Cut(text, group.Select(p => predicted[p]))}' over {goldType} '{text[g.Start..g.End]}'");
                }
            }

            if (!matched)
            {
                errors?.Add($"FN {goldType,-14} '{text[g.Start..g.End].ReplaceLineEndings(" ")}' in: {text.ReplaceLineEndings(" ")}");
            }
        }

        for (var p = 0; p < predicted.Count; p++)
        {
            if (!used[p])
            {
                Get(counts, key(predicted[p].Type)).Predicted++;
                errors?.Add($"FP {key(predicted[p].Type),-14} '{text[predicted[p].Start..predicted[p].End]}' in: {text.ReplaceLineEndings(" ")}");
            }
        }
    }

    private static string Cut(string text, IEnumerable<EvalSpan> spans) => string.Join(" | ", spans.Select(s => text[s.Start..s.End].ReplaceLineEndings(" ")));

    private static Counts Get(Dictionary<string, Counts> counts, string type)
    {
        if (!counts.TryGetValue(type, out var c))
        {
            counts[type] = c = new Counts();
        }

        return c;
    }

    private static bool IsInvalidChecksum(ReadOnlySpan<char> value, PersonalDataKind kind)
    {
        if (kind == PersonalDataKind.Card)
        {
            Span<char> digits = stackalloc char[value.Length];
            var n = 0;
            foreach (var c in value)
            {
                if (char.IsAsciiDigit(c))
                {
                    digits[n++] = c;
                }
            }

            return !PaymentCardRecognizer.IsLuhnValid(digits[..n]);
        }

        if (kind == PersonalDataKind.Iban)
        {
            return !IbanRecognizer.IsValid(value.ToString().Replace(" ", "", StringComparison.Ordinal));
        }

        return false;
    }

    private static void Print(int samples, string path, double iou, UrlReporting urls, string[]? regions, Dictionary<string, Counts> perType,
        Counts pii, int invalid, long chars, TimeSpan elapsed)
    {
        Console.WriteLine($"presidio-research synth_dataset_v2.json: {samples} samples ({path})");
        Console.WriteLine($"Detector: PersonalDataDetector.Default recognizers, no workspace context, URLs: {urls}, " +
                          $"phone regions: {(regions is null ? string.Join(",", StructuredDataRecognizer.DefaultPhoneRegions) : string.Join(",", regions))}");
        Console.WriteLine($"Matching: token IoU >= {iou.ToString(CultureInfo.InvariantCulture)}, F-beta with beta = 2, labels mapped with presidio_entities_map");
        Console.WriteLine();
        Console.WriteLine($"| {"Entity",-22} | {"Gold",5} | {"Predicted",9} | {"TP",5} | {"Precision",9} | {"Recall",6} | {"F2",5} |");
        Console.WriteLine($"|{new string('-', 24)}|{new string('-', 7)}|{new string('-', 11)}|{new string('-', 7)}|{new string('-', 11)}|{new string('-', 8)}|{new string('-', 7)}|");
        foreach (var (type, c) in perType.OrderBy(kv => Array.IndexOf(Structured, kv.Key) is var i && i < 0 ? 100 : i).ThenByDescending(kv => kv.Value.Annotated))
        {
            Row(type, c);
        }

        var structured = Sum(perType.Where(kv => Structured.Contains(kv.Key)).Select(kv => kv.Value));
        var structuredNoUrl = Sum(perType.Where(kv => Structured.Contains(kv.Key) && kv.Key != "URL").Select(kv => kv.Value));
        var all = Sum(perType.Values);
        Row("Structured (7 kinds)", structured);
        Row("Structured without URL", structuredNoUrl);
        Row("All entities (typed)", all);
        Row("All entities (PII)", pii);
        Console.WriteLine();
        Console.WriteLine($"Cards or IBANs reported that fail their checksum: {invalid}");
        Console.WriteLine($"Detection time: {elapsed.TotalMilliseconds:0} ms for {chars:N0} characters ({chars * 2 / elapsed.TotalSeconds / 1e6:0.0} MB/s of UTF-16 text, one thread, short sentences)");
    }

    private static Counts Sum(IEnumerable<Counts> counts)
    {
        var sum = new Counts();
        foreach (var c in counts)
        {
            sum.Annotated += c.Annotated;
            sum.Predicted += c.Predicted;
            sum.TruePositives += c.TruePositives;
        }

        return sum;
    }

    private static void Row(string name, Counts c)
    {
        var precision = c.Predicted == 0 ? 0 : (double)c.TruePositives / c.Predicted;
        var recall = c.Annotated == 0 ? 0 : (double)c.TruePositives / c.Annotated;
        var f2 = precision + recall == 0 ? 0 : 5 * precision * recall / ((4 * precision) + recall);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name,-22} | {c.Annotated,5} | {c.Predicted,9} | {c.TruePositives,5} | {precision,9:0.000} | {recall,6:0.000} | {f2,5:0.000} |"));
    }

    private sealed record Sample(string Text, List<GoldSpan> Spans);

    private sealed record GoldSpan(string Type, int Start, int End);

    private readonly record struct Token(int Start, int End);

    private sealed record EvalSpan(string Type, HashSet<int> Tokens, int Start, int End);

    private sealed class Counts
    {
        public int Annotated { get; set; }

        public int Predicted { get; set; }

        public int TruePositives { get; set; }
    }
}
