using Intercom.AiCompliance.Privacy;

namespace Intercom.AiCompliance.Tests.Privacy;

/// <summary>The defects issue 15 lists, each pinned, and the behaviour around them.</summary>
public class StructuredDataRecognizerTests
{
    private static List<PersonalDataMatch> Find(string text, RecognitionContext? context = null, StructuredDataRecognizer? recognizer = null)
    {
        var matches = new List<PersonalDataMatch>();
        (recognizer ?? new StructuredDataRecognizer()).Recognize(text, context ?? RecognitionContext.Empty, matches);
        return matches;
    }

    private static List<(string Kind, string Value)> Found(string text, RecognitionContext? context = null, StructuredDataRecognizer? recognizer = null) =>
        Find(text, context, recognizer).OrderBy(m => m.Index).Select(m => (m.Kind.Name, text.Substring(m.Index, m.Length))).ToList();

    [TestCase("my IP 203.46.122.125.", "203.46.122.125")]
    [TestCase("my IP 203.46.122.125, thanks", "203.46.122.125")]
    [TestCase("from 10.0.0.7\nnext line", "10.0.0.7")]
    [TestCase("v6 2001:db8::8a2e:370:7334.", "2001:db8::8a2e:370:7334")]
    public void Recognize_IpFollowedByPunctuation_IsOneIpAndNoPhone(string text, string ip) =>
        Found(text).Should().Equal(("IP", ip));

    [TestCase("1Z3F4470538826687E")]
    [TestCase("JD621168678879392177")]
    [TestCase("ref ABC-4111111111111111")]
    [TestCase("order_4111111111111111")]
    public void Recognize_DigitsInsideAnotherIdentifier_AreNotACard(string text) =>
        Found($"Tracking {text} shipped").Should().BeEmpty();

    [Test]
    public void Recognize_RejectedIban_NoCardOrPhoneReadFromItsDigits()
    {
        // GB82 WEST with the check digits broken; its digit groups would pass Luhn as a Visa if read alone.
        const string text = "Pay to GB00 WEST 4111 1111 1111 1111 today";
        IbanRecognizer.IsValid("GB00WEST4111111111111111").Should().BeFalse();
        Found(text).Should().BeEmpty();
    }

    [TestCase("Ring 0049 30 1234567 today", "0049 30 1234567")]
    [TestCase("Ring 0044 20 7946 0958 today", "0044 20 7946 0958")]
    public void Recognize_PhoneWithDoubleZeroPrefix_IsAPhoneNotACard(string text, string phone) =>
        Found(text).Should().Equal(("PHONE", phone));

    [TestCase("Opened 2023-12-13 08:38 by the agent")]
    [TestCase("Opened 2023-12-13 08:38:12 by the agent")]
    [TestCase("On 13/12/2023 at 08:38")]
    [TestCase("Version 10.0.1 shipped on 2026-06-01 at 10:30, 256 users.")]
    public void Recognize_DatesAndTimes_AreNotPhones(string text) =>
        Found(text).Should().BeEmpty();

    [Test]
    public void Recognize_GermanNationalMobile_FoundWithGermanyAmongTheRegions()
    {
        var germany = RecognitionContext.Empty with { PhoneRegions = ["DE"] };
        Found("Call 0151 2345 2392 please", germany).Should().Equal(("PHONE", "0151 2345 2392"));
        Found("Call 0151 2345 2392 please").Should().Equal([("PHONE", "0151 2345 2392")], "Germany is among the default regions");
    }

    [Test]
    public void Recognize_ShortNationalNumberNextToATelephoneWord_Found() =>
        Found("Phone: (99) 645-791").Should().Equal(("PHONE", "(99) 645-791"));

    [Test]
    public void Recognize_ShortNumberWithoutTelephoneWord_IsNotAPhone() =>
        Found("Our office is at 9931 14 Iliou Street").Should().BeEmpty();

    [Test]
    public void Recognize_AdjacentNumbers_DoNotMerge() =>
        Found("Call 0151 2345 2392 0151 2345 2393 or +44 20 7946 0958 020 7946 0959")
            .Should().Equal(("PHONE", "0151 2345 2392"), ("PHONE", "0151 2345 2393"), ("PHONE", "+44 20 7946 0958"), ("PHONE", "020 7946 0959"));

    [Test]
    public void Recognize_NationalNumberOutsideTheRegions_NotReadAsNational()
    {
        var usOnly = RecognitionContext.Empty with { PhoneRegions = ["US"] };
        Found("Call 0151 2345 2392 please", usOnly).Should().BeEmpty();
        Found("Call (415) 555-2671 please", usOnly).Should().Equal(("PHONE", "(415) 555-2671"));
    }

    [Test]
    public void Recognize_Extension_IsPartOfThePhone() =>
        Found("Call 345-899-3560x4587 today", RecognitionContext.Empty with { PhoneRegions = ["US"] })
            .Should().Equal(("PHONE", "345-899-3560x4587"));

    [TestCase("630427373398")]
    [TestCase("501864667909")]
    public void Recognize_TwelveDigitMaestro_IsACard(string card) =>
        Found($"credit card {card} transactions").Should().Equal(("CARD", card));

    [TestCase("4111 1111 1111 1112")]
    [TestCase("5018 6466 7908")]
    [TestCase("4111111111111112")]
    public void Recognize_CardFailingLuhn_NothingReported(string number) =>
        Found($"Card {number} please").Should().BeEmpty();

    [Test]
    public void Recognize_LuhnValidNumberOfNoCardNetwork_NotACard() =>
        Found("Reference 9111111111111111 attached").Should().NotContain(m => m.Kind == "CARD");

    [TestCase("See https://app.example.com/users/8812/profile now", "https://app.example.com/users/8812/profile")]
    [TestCase("Reset via https://example.com/reset?token=abc123&email=x.", "https://example.com/reset?token=abc123&email=x")]
    [TestCase("Open https://example.com/u/jane/settings", "https://example.com/u/jane/settings")]
    [TestCase("Open https://jane:pw@example.com/", "https://jane:pw@example.com/")]
    [TestCase("Open https://example.com/help#jane", "https://example.com/help#jane")]
    public void Recognize_UrlCarryingPersonalData_Reported(string text, string url) =>
        Found(text).Should().Equal(("URL", url));

    [TestCase("Read https://help.example.com/articles/reset-password for steps.")]
    [TestCase("Visit https://www.UEarly.se/ today")]
    public void Recognize_PlainUrl_NotReportedByDefault_ReportedWhenEveryUrlIsAsked(string text)
    {
        Found(text).Should().BeEmpty();
        Found(text, recognizer: new StructuredDataRecognizer(urls: UrlReporting.Every)).Should().ContainSingle().Which.Kind.Should().Be("URL");
    }

    [Test]
    public void Recognize_DigitsInsideAUrl_NotReadAsOtherKinds() =>
        Found("Link https://shop.example.com/orders/4111111111111111/view").Should().Equal(
            ("URL", "https://shop.example.com/orders/4111111111111111/view"));

    [TestCase("IBAN gb42nawi04454264788619 please", "gb42nawi04454264788619")]
    [TestCase("Pay to GB82 WEST 1234 5698 7654 32 today", "GB82 WEST 1234 5698 7654 32")]
    public void Recognize_Iban_AnyCaseAndGrouping(string text, string iban) =>
        Found(text).Should().Equal(("IBAN", iban));

    [Test]
    public void Recognize_IbanShapedWordFollowedByWords_DoesNotSwallowWhatFollows() =>
        Found("Ticket AB12 please call 020 7946 0958 today, ref DE12 3456 please").Should().Equal(("PHONE", "020 7946 0958"));

    [TestCase("SSN 123-45-6789", "123-45-6789")]
    [TestCase("ssn 123 45 6789", "123 45 6789")]
    public void Recognize_Ssn(string text, string ssn) => Found(text).Should().Equal(("SSN", ssn));

    [Test]
    public void Recognize_SsnTheSsaNeverIssued_NotReadAsAPhone() =>
        Found("id 666-12-3456 and 000-12-3456").Should().BeEmpty();

    [Test]
    public void Recognize_SingleKindRecognizers_ReportOnlyTheirKind()
    {
        const string text = "a@b.io 203.46.122.125 +44 20 7946 0958 4111 1111 1111 1111 GB82WEST12345698765432 123-45-6789";
        var all = Found(text);
        all.Select(m => m.Kind).Should().Equal("EMAIL", "IP", "PHONE", "CARD", "IBAN", "SSN");
        foreach (var (recognizer, kind) in new (IPersonalDataRecognizer, string)[]
                 {
                     (new EmailRecognizer(), "EMAIL"), (new IpAddressRecognizer(), "IP"), (new PhoneNumberRecognizer(), "PHONE"),
                     (new PaymentCardRecognizer(), "CARD"), (new IbanRecognizer(), "IBAN"), (new SsnRecognizer(), "SSN"),
                 })
        {
            var matches = new List<PersonalDataMatch>();
            recognizer.Recognize(text, RecognitionContext.Empty, matches);
            matches.Should().ContainSingle().Which.Kind.Name.Should().Be(kind);
        }
    }

    [Test]
    public void PhoneRegions_UnknownCodes_AreIgnored()
    {
        var context = RecognitionContext.Empty with { PhoneRegions = ["XX", "", "gb"] };
        Found("Call 020 7946 0958 now", context).Should().Equal(("PHONE", "020 7946 0958"));
    }
}
