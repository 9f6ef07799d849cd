using Intercom.AiCompliance.Privacy;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Privacy;

public class AnonymizerTests
{
    private static readonly Anonymizer Anonymizer = new();

    private static readonly RecognitionContext Acme = new(new CustomerReferences
    {
        CompanyNames = ["Acme Inc.", "Roadrunner Logistics"],
        Domains = ["acme.com"],
        PostalAddresses = ["221B Baker Street, London NW1 6XE"],
    }, ["Jane Doe"]);

    private static string Run(string text, RecognitionContext? context = null) => Anonymizer.Anonymize(text, context ?? RecognitionContext.Empty);

    [TestCase("Card 4111 1111 1111 1111 please", "Card [CARD] please")]
    [TestCase("Card 4111-1111-1111-1111.", "Card [CARD].")]
    [TestCase("Amex 378282246310005", "Amex [CARD]")]
    public void Anonymize_LuhnValidCard_Redacted(string input, string expected) => Run(input).Should().Be(expected);

    [TestCase("Order 4111 1111 1111 1112 shipped")]
    [TestCase("Tracking 1234567890123")]
    public void Anonymize_LuhnInvalidNumber_LeftAlone(string input) => Run(input).Should().Be(input);

    [TestCase("Pay to GB82 WEST 1234 5698 7654 32 today", "Pay to [IBAN] today")]
    [TestCase("IBAN DE89370400440532013000", "IBAN [IBAN]")]
    public void Anonymize_Mod97ValidIban_Redacted(string input, string expected) => Run(input).Should().Be(expected);

    [TestCase("Pay to GB82 WEST 1234 5698 7654 33 today")]
    [TestCase("Ref DE89370400440532013001")]
    [TestCase("Ref DE8937040044053201300")]
    public void Anonymize_InvalidIban_LeftAlone(string input) => Run(input).Should().Be(input);

    [TestCase("SSN 123-45-6789", "SSN [SSN]")]
    [TestCase("ssn 123 45 6789", "ssn [SSN]")]
    public void Anonymize_ValidSsn_Redacted(string input, string expected) => Run(input).Should().Be(expected);

    [TestCase("000-12-3456")]
    [TestCase("666-12-3456")]
    [TestCase("912-34-5678")]
    [TestCase("123-00-4567")]
    [TestCase("123-45-0000")]
    public void Anonymize_SsnWithInvalidPrefix_LeftAlone(string ssn) => Run($"id {ssn}").Should().Be($"id {ssn}");

    [TestCase("Mail jane.doe+help@example.co.uk now", "Mail [EMAIL] now")]
    [TestCase("Call +44 20 7946 0958.", "Call [PHONE].")]
    [TestCase("Call 020 7946 0958 please", "Call [PHONE] please")]
    [TestCase("Ring (415) 555-2671 today", "Ring [PHONE] today")]
    [TestCase("Ring 0049 30 1234567 today", "Ring [PHONE] today")]
    [TestCase("From 192.168.1.20 and 2001:db8::8a2e:370:7334", "From [IP] and [IP]")]
    [TestCase("See https://app.example.com/users/8812/profile now", "See [URL] now")]
    [TestCase("Reset via https://example.com/reset?token=abc123&email=x", "Reset via [URL]")]
    public void Anonymize_StructuredIdentifiers_Redacted(string input, string expected) => Run(input).Should().Be(expected);

    [TestCase("Read https://help.example.com/articles/reset-password for steps.")]
    [TestCase("Version 10.0.1 shipped on 2026-06-01 at 10:30, 256 users.")]
    [TestCase("Not an IP: 999.1.1.1")]
    [TestCase("Plain words, no identifiers at all.")]
    public void Anonymize_NoIdentifiers_ReturnsTheSameText(string input) => Run(input).Should().BeSameAs(input);

    [TestCase("Thanks for contacting Acme Inc. today", "Thanks for contacting [COMPANY] today")]
    [TestCase("ACME support here", "[COMPANY] support here")]
    [TestCase("acme, inc. is closed", "[COMPANY] is closed")]
    [TestCase("Acme\nInc", "[COMPANY]")]
    [TestCase("Roadrunner-Logistics Ltd shipped it", "[COMPANY] shipped it")]
    [TestCase("ROADRUNNER\r\nLOGISTICS", "[COMPANY]")]
    public void Anonymize_CompanyNameVariants_Redacted(string input, string expected) => Run(input, Acme).Should().Be(expected);

    [TestCase("Visit us at 221B Baker Street, London NW1 6XE.", "Visit us at [ADDRESS].")]
    [TestCase("221b baker st\nlondon nw1 6xe", "[ADDRESS]")]
    [TestCase("221B Baker St., London, NW1 6XE", "[ADDRESS]")]
    public void Anonymize_AddressVariants_Redacted(string input, string expected) => Run(input, Acme).Should().Be(expected);

    [Test]
    public void Anonymize_DomainsAndParticipants_Redacted()
    {
        Run("Go to support.acme.com, ask Jane Doe or doe", Acme).Should().Be("Go to [DOMAIN], ask [PERSON] or [PERSON]");
        Run("Write to jane@acme.com", Acme).Should().Be("Write to [EMAIL]", "the longer e-mail match wins over the domain");
    }

    [Test]
    public void Anonymize_Placeholders_NeverContainTheOriginal()
    {
        const string text = "Jane Doe of Acme Inc. (jane@acme.com, +1 415 555 2671, 4111111111111111, GB82WEST12345698765432, 123-45-6789) at 221B Baker Street, London NW1 6XE from 10.0.0.7";
        var result = Run(text, Acme);
        foreach (var secret in new[] { "Jane", "Doe", "Acme", "jane@acme.com", "555", "4111", "GB82", "6789", "Baker", "10.0.0.7" })
        {
            result.Should().NotContain(secret);
        }

        result.Should().Contain("[PERSON]").And.Contain("[COMPANY]").And.Contain("[EMAIL]").And.Contain("[PHONE]")
            .And.Contain("[CARD]").And.Contain("[IBAN]").And.Contain("[SSN]").And.Contain("[ADDRESS]").And.Contain("[IP]");
    }

    [Test]
    public void Detect_ReturnsNonOverlappingMatchesInOrder()
    {
        var matches = PersonalDataDetector.Default.Detect("a@b.io 4111111111111111 x", RecognitionContext.Empty);
        matches.Select(m => m.Kind).Should().Equal(PersonalDataKind.Email, PersonalDataKind.Card);
        matches.Should().BeInAscendingOrder(m => m.Index);
    }
}
