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

    [GlobalSetup]
    public void Setup()
    {
        var sb = new StringBuilder();
        while (sb.Length < 64 * 1024)
        {
            foreach (var line in Lines)
            {
                sb.AppendLine(line);
            }
        }

        _text = sb.ToString(0, 64 * 1024);
        _context = new RecognitionContext(
            new CustomerReferences { CompanyNames = ["Acme Inc."], Domains = ["acme.com"], PostalAddresses = ["221B Baker Street, London NW1 6XE"] },
            ["Maria Lopez"]);
    }

    [Benchmark(Description = "Anonymise 64 KB of conversation")]
    public string Anonymise64KB() => _anonymizer.Anonymize(_text, _context);
}
