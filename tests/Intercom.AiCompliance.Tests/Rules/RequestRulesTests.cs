using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Rules;

public class RequestRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [TestCase(Purpose.AnsweringEndUser)]
    [TestCase(Purpose.ScoringConversationQuality)]
    [TestCase(Purpose.Summarising)]
    public void PurposeRule_OrdinaryPurpose_Accepts(Purpose purpose) =>
        new PurposeRule().Evaluate(Requests.Make(purpose: purpose), Requests.Profile(), Now).Should().BeNull();

    [Test]
    public void PurposeRule_WorkerEvaluationWithoutClearance_Refuses() =>
        new PurposeRule().Evaluate(Requests.Make(product: AiProduct.CxScore, purpose: Purpose.EvaluatingIndividualWorker), Requests.Profile(), Now)!
            .Reason.Should().Be(RejectionReason.PurposeNotCleared);

    [Test]
    public void PurposeRule_WorkerEvaluationWithClearanceInForce_Accepts()
    {
        var profile = Requests.Profile() with
        {
            PurposeClearances = [new PurposeClearance { Purpose = Purpose.EvaluatingIndividualWorker, Reference = "DPIA-7", GrantedAt = Now.AddDays(-1) }],
        };
        new PurposeRule().Evaluate(Requests.Make(purpose: Purpose.EvaluatingIndividualWorker), profile, Now).Should().BeNull();
    }

    [Test]
    public void PurposeRule_WorkerEvaluationWithExpiredOrUnreferencedClearance_Refuses()
    {
        var expired = Requests.Profile() with
        {
            PurposeClearances = [new PurposeClearance { Purpose = Purpose.EvaluatingIndividualWorker, Reference = "DPIA-7", GrantedAt = Now.AddDays(-10), ExpiresAt = Now.AddSeconds(-1) }],
        };
        var unreferenced = Requests.Profile() with
        {
            PurposeClearances = [new PurposeClearance { Purpose = Purpose.EvaluatingIndividualWorker, GrantedAt = Now.AddDays(-1) }],
        };
        var request = Requests.Make(purpose: Purpose.EvaluatingIndividualWorker);
        new PurposeRule().Evaluate(request, expired, Now).Should().NotBeNull();
        new PurposeRule().Evaluate(request, unreferenced, Now).Should().NotBeNull();
    }

    [Test]
    public void PurposeRule_EmotionRecognitionAtWork_RefusedEvenWithClearance()
    {
        var profile = Requests.Profile() with
        {
            PurposeClearances = [new PurposeClearance { Purpose = Purpose.RecognisingEmotionAtWork, Reference = "X", GrantedAt = Now.AddDays(-1) }],
        };
        new PurposeRule().Evaluate(Requests.Make(purpose: Purpose.RecognisingEmotionAtWork), profile, Now)!
            .Reason.Should().Be(RejectionReason.PurposeProhibited);
    }

    [Test]
    public void PurposeRule_UndeclaredPurposeOrProduct_Refuses()
    {
        new PurposeRule().Evaluate(Requests.Make(purpose: Purpose.Undeclared), Requests.Profile(), Now)!.Reason.Should().Be(RejectionReason.PurposeUndeclared);
        new PurposeRule().Evaluate(Requests.Make(product: AiProduct.Unknown), Requests.Profile(), Now)!.Reason.Should().Be(RejectionReason.PurposeUndeclared);
    }

    [Test]
    public void KnowledgeSourceRule_AllowedSources_Accepts() =>
        new KnowledgeSourceRule().Evaluate(Requests.Make(sources: [KnowledgeSource.Articles, KnowledgeSource.Snippets]), Requests.Profile(), Now)
            .Should().BeNull();

    [Test]
    public void KnowledgeSourceRule_SourceNotAllowedForProduct_Refuses()
    {
        var v = new KnowledgeSourceRule().Evaluate(Requests.Make(sources: [KnowledgeSource.Articles, KnowledgeSource.Tickets]), Requests.Profile(), Now);
        v!.Reason.Should().Be(RejectionReason.KnowledgeSourceNotAllowed);
        v.Detail.Should().Contain("Tickets").And.Contain("FinAiAgent");
    }

    [Test]
    public void KnowledgeSourceRule_ProductWithNoListedSources_RefusesAnySource() =>
        new KnowledgeSourceRule().Evaluate(Requests.Make(product: AiProduct.Inbox, purpose: Purpose.Summarising, sources: [KnowledgeSource.Articles]), Requests.Profile(), Now)
            .Should().NotBeNull();

    [Test]
    public void InputSizeRule_AcceptsAtLimitAndRefusesAbove()
    {
        var rule = new InputSizeRule(maxTextCharacters: 10, maxAudioBytes: 4);
        rule.Evaluate(Requests.Make(text: new string('a', 10)), Requests.Profile(), Now).Should().BeNull();
        rule.Evaluate(Requests.Make(text: new string('a', 11)), Requests.Profile(), Now)!.Reason.Should().Be(RejectionReason.InputTooLarge);
        rule.Evaluate(Requests.Make(capability: Capability.Transcription), Requests.Profile(), Now).Should().BeNull();
    }

    [Test]
    public void InputSizeRule_ImageAboveTheByteLimit_Refused()
    {
        var rule = new InputSizeRule(maxTextCharacters: 400_000, maxAudioBytes: 50 * 1024 * 1024, maxInputBytes: 1024 * 1024);
        AiRequest WithImage(int bytes) => Requests.Make() with
        {
            Payload = new ChatPayload([new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User,
                [new Microsoft.Extensions.AI.TextContent("hi"), new Microsoft.Extensions.AI.DataContent(new byte[bytes], "image/png")])]),
        };

        rule.Evaluate(WithImage(1024 * 1024), Requests.Profile(), Now).Should().BeNull();
        var violation = rule.Evaluate(WithImage(5 * 1024 * 1024), Requests.Profile(), Now);
        violation!.Reason.Should().Be(RejectionReason.InputTooLarge);
        violation.Detail.Should().Contain("bytes of non-text content");
    }

    [Test]
    public void InputSizeRule_Fingerprint_NamesEveryLimit()
    {
        new InputSizeRule(10, 20, 30).Fingerprint.Should().NotBe(new InputSizeRule(10, 20, 31).Fingerprint);
        new InputSizeRule(10, 20, 30).Fingerprint.Should().NotBe(new InputSizeRule(11, 20, 30).Fingerprint);
        new InputSizeRule(10, 20, 30).Fingerprint.Should().NotBe(new InputSizeRule(10, 21, 30).Fingerprint);
        new InputSizeRule(10, 20, 30).Fingerprint.Should().Be(new InputSizeRule(10, 20, 30).Fingerprint);
    }

    [Test]
    public void RuleViolation_DetailNeverContainsRequestText()
    {
        const string secret = "MY-SECRET-PROMPT-4242";
        var request = Requests.Make(text: secret + new string('x', 50), sources: [KnowledgeSource.Pdfs]);
        var rules = ComplianceRuleSet.DefaultRequestRules(maxTextCharacters: 10);
        foreach (var rule in rules)
        {
            rule.Evaluate(request, Requests.Profile(), Now)?.Detail.Should().NotContain(secret);
        }
    }
}
