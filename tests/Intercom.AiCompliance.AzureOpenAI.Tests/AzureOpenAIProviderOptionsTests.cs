namespace Intercom.AiCompliance.AzureOpenAI.Tests;

public class AzureOpenAIProviderOptionsTests
{
    [Test]
    public void ToString_KeySet_NeverShowsIt()
    {
        var options = new AzureOpenAIProviderOptions { ApiKey = "azkey-very-secret-value" };

        options.ToString().Should().NotContain("azkey-very-secret-value").And.Contain("set (hidden)");
    }
}
