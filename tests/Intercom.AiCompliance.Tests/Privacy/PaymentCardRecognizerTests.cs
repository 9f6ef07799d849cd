using Intercom.AiCompliance.Privacy;

namespace Intercom.AiCompliance.Tests.Privacy;

public class PaymentCardRecognizerTests
{
    [TestCase("4111111111111111")]
    [TestCase("378282246310005")]
    [TestCase("630427373398")]
    [TestCase("4131034282458809939")]
    public void IsLuhnValid_ValidNumbers_True(string number) => PaymentCardRecognizer.IsLuhnValid(number).Should().BeTrue();

    [TestCase("4111111111111112")]
    [TestCase("41111111111")]
    [TestCase("41111111111111111111")]
    public void IsLuhnValid_BadChecksumOrLength_False(string number) => PaymentCardRecognizer.IsLuhnValid(number).Should().BeFalse();

    [TestCase("4111111111111111", true)]
    [TestCase("5555555555554444", true)]
    [TestCase("2223003122003222", true)]
    [TestCase("378282246310005", true)]
    [TestCase("30569309025904", true)]
    [TestCase("6011111111111117", true)]
    [TestCase("3530111333300000", true)]
    [TestCase("180016070420458", true)]
    [TestCase("630427373398", true)]
    [TestCase("9111111111111111", false)]
    [TestCase("7111111111111111", false)]
    [TestCase("411111111111", false)]
    [TestCase("5555555555554", false)]
    public void HasKnownPrefix_ByNetworkAndLength(string number, bool expected) =>
        PaymentCardRecognizer.HasKnownPrefix(number).Should().Be(expected);
}
