using System.Text;
using BenchmarkDotNet.Attributes;
using Intercom.AiCompliance.Privacy;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Benchmarks;

/// <summary>Anonymisation over about 64 KB of realistic support-conversation text; MB/s = 0.0625 / mean seconds.</summary>
[MemoryDiagnoser]
public class AnonymizationBenchmarks
{
    private static readonly string[] Lines =
    [
        "Customer: Hi, I ordered a blender last week and it still hasn't arrived. My order number is 55231.",
        "Agent: Sorry to hear that! Could you confirm the email on the account?",
        "Customer: Sure, it's maria.lopez@example.org, and my phone is +44 20 7946 0958.",
        "Agent: Thanks Maria. I can see the parcel left our warehouse at 221B Baker Street, London NW1 6XE on Monday.",
        "Customer: Great. Also I was charged twice on card 4111 1111 1111 1111, can you refund one?",
        "Agent: Of course. Acme Inc. will refund the duplicate to the same card within 5 business days.",
        "Customer: Perfect. You can also wire it to GB82 WEST 1234 5698 7654 32 if that's faster.",
        "Agent: Card refunds are quicker. Here's your tracking link: https://track.acme.com/orders?id=55231&email=maria",
        "Customer: Thanks, the help article https://help.acme.com/articles/refunds was useful too.",
        "Agent: Glad to help! Anything else I can do for you today?",
    ];

    private readonly Anonymizer _anonymizer = new();
    private string _text = null!;
    private RecognitionContext _context = null!;

    /// <summary>The workspace context used: a company, a domain, an address and a participant.</summary>
    internal static RecognitionContext Context { get; } = new(
        new CustomerReferences { CompanyNames = ["Acme Inc."], Domains = ["acme.com"], PostalAddresses = ["221B Baker Street, London NW1 6XE"] },
        ["Maria Lopez"]);

    /// <summary>The conversation lines repeated to <paramref name="length"/> characters.</summary>
    internal static string Conversation(int length)
    {
        var sb = new StringBuilder();
        while (sb.Length < length)
        {
            foreach (var line in Lines)
            {
                sb.AppendLine(line);
            }
        }

        return sb.ToString(0, length);
    }

    [GlobalSetup]
    public void Setup()
    {
        _text = Conversation(64 * 1024);
        _context = Context;
    }

    [Benchmark(Description = "Anonymise 64 KB of conversation")]
    public string Anonymise64KB() => _anonymizer.Anonymize(_text, _context);
}
