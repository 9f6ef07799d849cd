using Intercom.AiCompliance.Privacy;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Privacy;

public class ParticipantNameRecognizerTests
{
    private static List<string> Names(string text, params string[] participants)
    {
        var matches = new List<PersonalDataMatch>();
        new ParticipantNameRecognizer().Recognize(text, new RecognitionContext(new CustomerReferences(), participants), matches);
        return matches.Select(m => text.Substring(m.Index, m.Length)).ToList();
    }

    [TestCase("Mark this ticket as solved.")]
    [TestCase("Agent: Mark it urgent, please.")]
    [TestCase("Can you mark the invoice as paid?")]
    [TestCase("I saved a bookmark for it.")]
    [TestCase("MARK AS READ")]
    public void Recognize_EverydayWordThatIsAlsoTheAgentsName_NotAPerson(string text) =>
        Names(text, "Mark Smith").Should().BeEmpty();

    [TestCase("Thanks Mark, that helped.", "Mark")]
    [TestCase("I spoke to Mark yesterday.", "Mark")]
    [TestCase("Mark Smith will call you.", "Mark Smith")]
    [TestCase("ask for mark smith at the desk", "mark smith")]
    [TestCase("Smith, Mark wrote back", "Smith, Mark")]
    public void Recognize_NameInNameContext_IsAPerson(string text, string expected) =>
        Names(text, "Mark Smith").Should().Equal(expected);

    [TestCase("Hi Maria, my name is lopez", "Maria", "lopez")]
    [TestCase("MARIA LOPEZ called", "MARIA LOPEZ")]
    public void Recognize_NameThatIsNoEverydayWord_MatchesInAnyCase(string text, params string[] expected) =>
        Names(text, "Maria Lopez").Should().Equal(expected);

    [Test]
    public void Recognize_ParticlesAlone_NotAPerson_ButInsideTheFullName() =>
        Names("de facto, Ana de Armas replied", "Ana de Armas").Should().Equal("Ana de Armas");

    [Test]
    public void Recognize_PartOfALongerWord_NotAPerson() =>
        Names("Lopezville and Marianne", "Maria Lopez").Should().BeEmpty();
}
