using Intercom.AiCompliance.Audit;

namespace Intercom.AiCompliance.Tests.Audit;

public class AuditChainKeyTests
{
    [Test]
    public void FromBase64_ShortKey_FailsNamingTheSettingNotTheValue()
    {
        var shortKey = Convert.ToBase64String(new byte[31]);
        FluentActions.Invoking(() => AuditChainKey.FromBase64(shortKey, "AiCompliance:Audit:ChainKey"))
            .Should().Throw<ArgumentException>()
            .Which.Message.Should().Contain("AiCompliance:Audit:ChainKey").And.Contain("31 bytes").And.NotContain(shortKey);
    }

    [Test]
    public void FromBase64_NotBase64_FailsWithoutEchoingTheValue()
    {
        FluentActions.Invoking(() => AuditChainKey.FromBase64("s3cret!value", "X"))
            .Should().Throw<ArgumentException>().Which.Message.Should().NotContain("s3cret");
    }

    [Test]
    public void Id_DependsOnlyOnTheKey_AndNeverRevealsIt()
    {
        var bytes = Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray();
        var a = new AuditChainKey(bytes);
        var b = AuditChainKey.FromBase64(" " + Convert.ToBase64String(bytes) + "\n");
        var c = new AuditChainKey(bytes.Reverse().ToArray());

        a.Id.Should().Be(b.Id).And.NotBe(c.Id).And.MatchRegex("^k[0-9a-f]{16}$");
        a.ToString().Should().Contain(a.Id).And.NotContain(Convert.ToBase64String(bytes)).And.NotContain(Convert.ToHexString(bytes)[..16]);
    }

    [Test]
    public void CreateEphemeral_GivesADifferentKeyEachTime()
    {
        AuditChainKey.CreateEphemeral().Id.Should().NotBe(AuditChainKey.CreateEphemeral().Id);
    }
}
