using Intercom.AiCompliance.Privacy;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Privacy;

public class PersonalDataDetectorTests
{
    private sealed class ScriptedModel(params RecognizedEntity[] entities) : IEntityRecognizer
    {
        public void RecognizeEntities(string text, ICollection<RecognizedEntity> found)
        {
            foreach (var e in entities)
            {
                found.Add(e);
            }
        }
    }

    private sealed class BrokenModel : IEntityRecognizer
    {
        public void RecognizeEntities(string text, ICollection<RecognizedEntity> found) => throw new InvalidOperationException("model failed");
    }

    [Test]
    public void Create_WithEntityRecognizer_AddsItsEntitiesAtOrAboveTheThreshold()
    {
        const string text = "Krisztián lives in Lisbon and works at Persint.";
        var model = new ScriptedModel(
            new RecognizedEntity(0, 9, PersonalDataKind.Person, 0.97f),
            new RecognizedEntity(19, 6, PersonalDataKind.Location, 0.91f),
            new RecognizedEntity(39, 7, PersonalDataKind.Organization, 0.40f));
        var detector = PersonalDataDetector.Create([model], minimumScore: 0.5f);

        var matches = detector.Detect(text, RecognitionContext.Empty);

        matches.Select(m => (m.Kind, text.Substring(m.Index, m.Length)))
            .Should().Equal((PersonalDataKind.Person, "Krisztián"), (PersonalDataKind.Location, "Lisbon"));
        new Anonymizer(detector).Anonymize(text, RecognitionContext.Empty).Should().Be("[PERSON] lives in [LOCATION] and works at Persint.");
    }

    [Test]
    public void Create_ModelOverlappingARuleBasedMatchOfTheSameLength_RuleBasedWins()
    {
        const string text = "Mail a@b.io now";
        var detector = PersonalDataDetector.Create([new ScriptedModel(new RecognizedEntity(5, 6, PersonalDataKind.Person, 0.99f))]);
        detector.Detect(text, RecognitionContext.Empty).Should().ContainSingle().Which.Kind.Should().Be(PersonalDataKind.Email);
    }

    [Test]
    public void Detect_ModelThrows_ExceptionReachesTheCaller()
    {
        // The anonymiser and egress redaction fail closed on an exception; a detector must not swallow it.
        var detector = PersonalDataDetector.Create([new BrokenModel()]);
        var act = () => detector.Detect("Jane lives in Lisbon", RecognitionContext.Empty);
        act.Should().Throw<InvalidOperationException>();
    }

    [Test]
    public void Detect_EntitiesOutsideTheText_AreDropped()
    {
        var detector = PersonalDataDetector.Create([new ScriptedModel(new RecognizedEntity(3, 50, PersonalDataKind.Person, 1f), new RecognizedEntity(-1, 2, PersonalDataKind.Person, 1f))]);
        detector.Detect("short text", RecognitionContext.Empty).Should().BeEmpty();
    }

    [TestCase(-0.1f)]
    [TestCase(1.1f)]
    public void Create_ScoreOutsideZeroToOne_Throws(float score) =>
        FluentActions.Invoking(() => PersonalDataDetector.Create([], score)).Should().Throw<ArgumentOutOfRangeException>();

    [Test]
    public void Detect_OverlappingMatches_LongestWinsThenPriority()
    {
        var context = new RecognitionContext(new CustomerReferences { Domains = ["acme.com"], CompanyNames = ["Acme"] }, ["Jane"]);
        var text = "Write to jane@acme.com or visit support.acme.com, Acme's site";
        PersonalDataDetector.Default.Detect(text, context).Select(m => (m.Kind.Name, text.Substring(m.Index, m.Length)))
            .Should().Equal(("EMAIL", "jane@acme.com"), ("DOMAIN", "support.acme.com"), ("COMPANY", "Acme"));
    }

    [Test]
    public void Detect_RecognizerThatRunsADetectorItself_DoesNotCorruptTheOuterResult()
    {
        var inner = PersonalDataDetector.Default;
        var nested = new PersonalDataDetector([new StructuredDataRecognizer(), new NestingRecognizer(inner)]);
        nested.Detect("a@b.io and 4111 1111 1111 1111", RecognitionContext.Empty).Select(m => m.Kind)
            .Should().Equal(PersonalDataKind.Email, PersonalDataKind.Card);
    }

    [Test]
    public void Detect_RecognizerReportingOutOfTextOrder_ResultIsStillInTextOrderWithoutOverlaps()
    {
        const string text = "aa a@b.io bb 4111 1111 1111 1111 cc dd";
        var detector = new PersonalDataDetector([new StructuredDataRecognizer(), new ReversedRecognizer()]);
        var matches = detector.Detect(text, RecognitionContext.Empty);
        matches.Select(m => (m.Kind.Name, text.Substring(m.Index, m.Length))).Should().Equal(
            ("PERSON", "aa"), ("EMAIL", "a@b.io"), ("PERSON", "bb"), ("CARD", "4111 1111 1111 1111"), ("PERSON", "cc"), ("PERSON", "dd"));
    }

    /// <summary>Reports every two-letter word, last first, plus one overlapping the e-mail (which must lose: shorter).</summary>
    private sealed class ReversedRecognizer : IPersonalDataRecognizer
    {
        public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches)
        {
            foreach (var word in new[] { "dd", "cc", "bb", "aa" })
            {
                matches.Add(new(text.IndexOf(word, StringComparison.Ordinal), 2, PersonalDataKind.Person));
            }

            matches.Add(new(text.IndexOf('@', StringComparison.Ordinal) - 1, 2, PersonalDataKind.Person));
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public void Detect_ManyThreadsAtOnce_SameResultsAsOneThread(CancellationToken token)
    {
        var context = new RecognitionContext(new CustomerReferences { CompanyNames = ["Acme Inc."], Domains = ["acme.com"] }, ["Maria Lopez"]);
        var texts = Enumerable.Range(0, 64).Select(i =>
            $"Maria {i}: mail maria{i}@acme.com, call +44 20 7946 09{i % 100:00}, card 4111 1111 1111 1111, IP 10.0.0.{i}, Acme Inc. {new string('x', i)}").ToArray();
        var expected = texts.Select(t => PersonalDataDetector.Default.Detect(t, context).ToArray()).ToArray();

        var results = new PersonalDataMatch[texts.Length * 8][];
        Parallel.For(0, results.Length, new ParallelOptions { CancellationToken = token, MaxDegreeOfParallelism = 8 },
            i => results[i] = PersonalDataDetector.Default.Detect(texts[i % texts.Length], context).ToArray());

        for (var i = 0; i < results.Length; i++)
        {
            results[i].Should().Equal(expected[i % texts.Length]);
        }
    }

    private sealed class NestingRecognizer(PersonalDataDetector inner) : IPersonalDataRecognizer
    {
        public void Recognize(string text, RecognitionContext context, ICollection<PersonalDataMatch> matches) =>
            inner.Detect("x@y.io", context).Should().ContainSingle();
    }
}
