using System.Runtime.InteropServices;

namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// Runs recognizers over text and resolves overlaps (the longer match wins; on a tie, the recognizer listed first).
/// Used by the anonymiser before training, and meant for egress redaction too.
/// </summary>
public sealed class PersonalDataDetector
{
    private readonly IPersonalDataRecognizer[] _recognizers;

    /// <summary>Creates a detector from recognizers, in priority order.</summary>
    public PersonalDataDetector(IEnumerable<IPersonalDataRecognizer> recognizers)
    {
        ArgumentNullException.ThrowIfNull(recognizers);
        _recognizers = recognizers.ToArray();
        if (Array.IndexOf(_recognizers, null) >= 0)
        {
            throw new ArgumentException("A recognizer in the list is null.", nameof(recognizers));
        }
    }

    /// <summary>
    /// The built-in recognizers: every structured identifier in one pass (<see cref="StructuredDataRecognizer"/>), then
    /// the workspace's references and the conversation's participants. No named-entity model.
    /// </summary>
    public static PersonalDataDetector Default { get; } = Create([]);

    /// <summary>
    /// The built-in recognizers followed by named-entity models (for names, places and organisations the workspace
    /// context does not list). A model's entity is kept when its score is at least <paramref name="minimumScore"/>;
    /// where it overlaps a rule-based match of the same length, the rule-based one wins.
    /// </summary>
    /// <param name="entityRecognizers">The models, for example every <see cref="IEntityRecognizer"/> registered in DI.</param>
    /// <param name="minimumScore">The lowest score kept, from 0 to 1 (default 0.5).</param>
    /// <param name="structured">The structured-identifier recognizer (default: <see cref="StructuredDataRecognizer"/> with its defaults).</param>
    public static PersonalDataDetector Create(IEnumerable<IEntityRecognizer> entityRecognizers, float minimumScore = 0.5f, StructuredDataRecognizer? structured = null)
    {
        ArgumentNullException.ThrowIfNull(entityRecognizers);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumScore, 0f);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minimumScore, 1f);
        var recognizers = new List<IPersonalDataRecognizer>
        {
            structured ?? new StructuredDataRecognizer(), new CustomerReferenceRecognizer(), new ParticipantNameRecognizer(),
        };
        foreach (var model in entityRecognizers)
        {
            ArgumentNullException.ThrowIfNull(model, nameof(entityRecognizers));
            recognizers.Add(new EntityRecognizerAdapter(model, minimumScore));
        }

        return new PersonalDataDetector(recognizers);
    }

    /// <summary>Finds every piece of personal data, without overlaps, in text order.</summary>
    public IReadOnlyList<PersonalDataMatch> Detect(string text, RecognitionContext context)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(context);
        if (text.Length == 0)
        {
            return [];
        }

        // The recognizers write straight into one reusable list per thread, tagged with their priority (a fresh one
        // if a recognizer runs a detector itself).
        var sink = Sink is { InUse: false } cached ? cached : Sink = new CandidateSink();
        sink.InUse = true;
        var found = sink.Found;
        found.Clear();
        try
        {
            for (var i = 0; i < _recognizers.Length; i++)
            {
                sink.Start(i, text.Length);
                _recognizers[i].Recognize(text, context, sink);
            }

            return found.Count == 0 ? [] : Resolve(sink.InTextOrder());
        }
        finally
        {
            sink.InUse = false;
            found.Clear();
            sink.ClearMerged();
            if (found.Capacity > 4096)
            {
                found.Capacity = 256;
            }
        }
    }

    private static List<PersonalDataMatch> Resolve(List<Candidate> found)
    {
        // In text order, overlapping matches form clusters; most clusters hold one match. Inside a cluster, keep the
        // longest first, then by priority, then by position, each one that does not overlap one already kept.
        var kept = new List<PersonalDataMatch>(found.Count);
        List<Candidate>? cluster = null;
        var start = 0;
        while (start < found.Count)
        {
            var end = start + 1;
            var clusterEnd = found[start].Match.End;
            while (end < found.Count && found[end].Match.Index < clusterEnd)
            {
                clusterEnd = Math.Max(clusterEnd, found[end].Match.End);
                end++;
            }

            if (end == start + 1)
            {
                kept.Add(found[start].Match);
            }
            else
            {
                Resolve(found, start, end, cluster ??= [], kept);
            }

            start = end;
        }

        return kept;
    }

    private static void Resolve(List<Candidate> found, int start, int end, List<Candidate> cluster, List<PersonalDataMatch> kept)
    {
        cluster.Clear();
        for (var i = start; i < end; i++)
        {
            cluster.Add(found[i]);
        }

        CollectionsMarshal.AsSpan(cluster).Sort(default(LongestThenPriority));
        var first = kept.Count;
        foreach (var (m, _) in cluster)
        {
            var overlaps = false;
            for (var k = first; k < kept.Count; k++)
            {
                if (m.Index < kept[k].End && kept[k].Index < m.End)
                {
                    overlaps = true;
                    break;
                }
            }

            if (!overlaps)
            {
                kept.Add(m);
            }
        }

        CollectionsMarshal.AsSpan(kept)[first..].Sort(default(ByIndex));
    }

    [ThreadStatic]
    private static CandidateSink? Sink;

    private readonly record struct Candidate(PersonalDataMatch Match, int Priority);

    /// <summary>Text order, the longer first at one position; a struct so the sort is specialised, not a delegate call per comparison.</summary>
    private readonly struct ByIndexThenLongest : IComparer<Candidate>
    {
        public int Compare(Candidate a, Candidate b) =>
            a.Match.Index != b.Match.Index ? a.Match.Index.CompareTo(b.Match.Index) : b.Match.Length.CompareTo(a.Match.Length);
    }

    private readonly struct LongestThenPriority : IComparer<Candidate>
    {
        public int Compare(Candidate a, Candidate b) =>
            a.Match.Length != b.Match.Length ? b.Match.Length.CompareTo(a.Match.Length)
            : a.Priority != b.Priority ? a.Priority.CompareTo(b.Priority)
            : a.Match.Index.CompareTo(b.Match.Index);
    }

    private readonly struct ByIndex : IComparer<PersonalDataMatch>
    {
        public int Compare(PersonalDataMatch a, PersonalDataMatch b) => a.Index.CompareTo(b.Index);
    }

    /// <summary>Collects matches with the current recognizer's priority, dropping any that fall outside the text.</summary>
    private sealed class CandidateSink : ICollection<PersonalDataMatch>
    {
        private int _priority;
        private int _length;

        public List<Candidate> Found { get; } = new(256);

        public bool InUse { get; set; }

        public int Count => Found.Count;

        public bool IsReadOnly => false;

        private readonly List<int> _segments = [];
        private readonly List<Candidate> _merged = new(256);

        public void Start(int priority, int length)
        {
            if (priority == 0)
            {
                _segments.Clear();
            }

            (_priority, _length) = (priority, length);
            _segments.Add(Found.Count);
        }

        /// <summary>
        /// Every candidate in text order (the longer first at one position). Recognizers report in text order almost
        /// always, so each one's run is checked, sorted only if it must be, and the runs are merged: cheaper than
        /// sorting all of them together.
        /// </summary>
        public List<Candidate> InTextOrder()
        {
            var all = CollectionsMarshal.AsSpan(Found);
            var runs = 0;
            var lastRun = -1;
            for (var r = 0; r < _segments.Count; r++)
            {
                var run = all[_segments[r]..(r + 1 < _segments.Count ? _segments[r + 1] : all.Length)];
                if (run.Length == 0)
                {
                    continue;
                }

                runs++;
                lastRun = r;
                for (var i = 1; i < run.Length; i++)
                {
                    if (default(ByIndexThenLongest).Compare(run[i - 1], run[i]) > 0)
                    {
                        run.Sort(default(ByIndexThenLongest));
                        break;
                    }
                }
            }

            if (runs <= 1 || lastRun < 0)
            {
                return Found;
            }

            // A k-way merge over the few runs (one per recognizer).
            Span<int> heads = stackalloc int[_segments.Count];
            Span<int> ends = stackalloc int[_segments.Count];
            for (var r = 0; r < _segments.Count; r++)
            {
                heads[r] = _segments[r];
                ends[r] = r + 1 < _segments.Count ? _segments[r + 1] : all.Length;
            }

            _merged.Clear();
            while (true)
            {
                var best = -1;
                for (var r = 0; r < heads.Length; r++)
                {
                    if (heads[r] < ends[r] && (best < 0 || default(ByIndexThenLongest).Compare(all[heads[r]], all[heads[best]]) < 0))
                    {
                        best = r;
                    }
                }

                if (best < 0)
                {
                    return _merged;
                }

                _merged.Add(all[heads[best]++]);
            }
        }

        public void Add(PersonalDataMatch item)
        {
            if (item.Length > 0 && item.Index >= 0 && item.End <= _length && item.Kind.Name is not null)
            {
                Found.Add(new(item, _priority));
            }
        }

        public void ClearMerged()
        {
            _merged.Clear();
            if (_merged.Capacity > 4096)
            {
                _merged.Capacity = 256;
            }
        }

        public void Clear() => Found.RemoveAll(c => c.Priority == _priority);

        public bool Contains(PersonalDataMatch item) => Found.Exists(c => c.Priority == _priority && c.Match == item);

        public void CopyTo(PersonalDataMatch[] array, int arrayIndex)
        {
            foreach (var c in Found)
            {
                if (c.Priority == _priority)
                {
                    array[arrayIndex++] = c.Match;
                }
            }
        }

        public bool Remove(PersonalDataMatch item)
        {
            var i = Found.FindIndex(c => c.Priority == _priority && c.Match == item);
            if (i < 0)
            {
                return false;
            }

            Found.RemoveAt(i);
            return true;
        }

        public IEnumerator<PersonalDataMatch> GetEnumerator() => Found.Where(c => c.Priority == _priority).Select(c => c.Match).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
