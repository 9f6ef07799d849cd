namespace Intercom.AiCompliance.Tests.Helpers;

public static class Wait
{
    /// <summary>Waits (in real time, at most 10 s) until <paramref name="condition"/> holds; fails the test otherwise.</summary>
    public static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(1);
        }
    }
}
