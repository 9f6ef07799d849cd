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

    [Test]
    public void ComputeMac_LabelledData_IsHmacSha256UnderTheKey()
    {
        var bytes = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        var data = "aicompliance-fleet-anchor-v1\n{}"u8.ToArray();
        var mac = new byte[32];

        new AuditChainKey(bytes).ComputeMac(data, mac);

        mac.Should().Equal(System.Security.Cryptography.HMACSHA256.HashData(bytes, data));
    }

    [Test]
    public void ComputeMac_DataThatLooksLikeARecordBody_IsRefusedSoItCannotSealARecord()
    {
        var key = new AuditChainKey(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

        FluentActions.Invoking(() => key.ComputeMac("{\"sequence\":1}"u8, new byte[32])).Should().Throw<ArgumentException>().WithMessage("*label*");
    }
}
