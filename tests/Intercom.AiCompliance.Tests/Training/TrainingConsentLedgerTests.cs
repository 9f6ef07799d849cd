using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Training;
using Intercom.AiCompliance.Workspaces;

namespace Intercom.AiCompliance.Tests.Training;

public class TrainingConsentLedgerTests
{
    private FakeTimeProvider _clock = null!;
    private TrainingConsentLedger _ledger = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        _ledger = new TrainingConsentLedger(new InMemoryConsentEventStore(), _clock);
    }

    [Test]
    public async Task RequestOptOut_StopsCaptureAtOnceAndIsDueIn30Days()
    {
        var pending = await _ledger.RequestOptOutAsync("ws", "settings-change-1");
        pending.DueBy.Should().Be(_clock.GetUtcNow().AddDays(30));

        var consent = await _ledger.GetEffectiveAsync(Requests.Profile("ws"));
        consent.AllowsTraining.Should().BeFalse("capture stops when the opt-out is requested, not when it is granted");
        consent.State.Should().Be(ConsentState.OptOutPending);
        consent.DecidedBy.Should().Be(ConsentRule.OptOutRequested);
        consent.OptOutDueBy.Should().Be(pending.DueBy);
        consent.History.Should().ContainSingle().Which.Reference.Should().Be("settings-change-1");
    }

    [Test]
    public async Task DueWithinAndOverdue_TrackThe30DayPromise()
    {
        await _ledger.RequestOptOutAsync("early");
        _clock.Advance(TimeSpan.FromDays(10));
        await _ledger.RequestOptOutAsync("late");
        _clock.Advance(TimeSpan.FromDays(15)); // early is due in 5 days, late in 25

        (await _ledger.DueWithinAsync(TimeSpan.FromDays(7))).Select(p => p.WorkspaceId).Should().Equal("early");
        (await _ledger.OverdueAsync()).Should().BeEmpty();

        _clock.Advance(TimeSpan.FromDays(6));
        (await _ledger.OverdueAsync()).Select(p => p.WorkspaceId).Should().Equal("early");
        (await _ledger.DueWithinAsync(TimeSpan.FromDays(7))).Should().BeEmpty();

        await _ledger.GrantOptOutAsync("early");
        (await _ledger.OverdueAsync()).Should().BeEmpty();
        (await _ledger.GetEffectiveAsync(Requests.Profile("early"))).DecidedBy.Should().Be(ConsentRule.OptOutGranted);
        (await _ledger.DueWithinAsync(TimeSpan.FromDays(30))).Select(p => p.WorkspaceId).Should().Equal("late");
    }

    [Test]
    public async Task RepeatedRequests_DueDateRunsFromTheFirst()
    {
        var first = await _ledger.RequestOptOutAsync("ws");
        _clock.Advance(TimeSpan.FromDays(3));
        await _ledger.RequestOptOutAsync("ws");
        (await _ledger.GetEffectiveAsync(Requests.Profile("ws"))).OptOutDueBy.Should().Be(first.DueBy);
    }

    [Test]
    public async Task OptBackIn_AllowsTrainingAgainAndClearsThePendingRequest()
    {
        await _ledger.RequestOptOutAsync("ws");
        await _ledger.GrantOptOutAsync("ws");
        _clock.Advance(TimeSpan.FromDays(40));
        await _ledger.OptInAsync("ws");

        var consent = await _ledger.GetEffectiveAsync(Requests.Profile("ws"));
        consent.AllowsTraining.Should().BeTrue();
        consent.DecidedBy.Should().Be(ConsentRule.ExplicitOptIn);
        consent.History.Select(e => e.Kind).Should().Equal(ConsentEventKind.OptOutRequested, ConsentEventKind.OptOutGranted, ConsentEventKind.OptedIn);
    }

    [Test]
    public async Task GrantWithoutRequest_Throws() =>
        await FluentActions.Awaiting(() => _ledger.GrantOptOutAsync("ws").AsTask()).Should().ThrowAsync<InvalidOperationException>();

    [Test]
    public async Task StandardUsWorkspace_IsInByDefault()
    {
        var consent = await _ledger.GetEffectiveAsync(Requests.Profile("ws"));
        consent.AllowsTraining.Should().BeTrue();
        consent.DecidedBy.Should().Be(ConsentRule.StandardDefault);
    }

    private static IEnumerable<TestCaseData> DefaultClasses()
    {
        yield return new TestCaseData(Requests.Profile("ws", contract: ContractType.Mssa), ConsentRule.DefaultMssa).SetName("Mssa");
        yield return new TestCaseData(Requests.Profile("ws", hipaa: true), ConsentRule.DefaultBaa).SetName("Baa");
        yield return new TestCaseData(Requests.Profile("ws", Region.EU), ConsentRule.DefaultRegionalHosting).SetName("EuHosting");
        yield return new TestCaseData(Requests.Profile("ws", Region.AU), ConsentRule.DefaultRegionalHosting).SetName("AuHosting");
        yield return new TestCaseData(Requests.Profile("ws", contract: ContractType.Trial), ConsentRule.DefaultTrial).SetName("Trial");
        yield return new TestCaseData(Requests.Profile("ws", contract: ContractType.Unknown), ConsentRule.DefaultUnknownContract).SetName("UnknownContract");
    }

    [TestCaseSource(nameof(DefaultClasses))]
    public async Task DefaultClass_IsOptedOutAndSaysWhichRule(WorkspaceComplianceProfile profile, ConsentRule rule)
    {
        var consent = await _ledger.GetEffectiveAsync(profile);
        consent.AllowsTraining.Should().BeFalse();
        consent.State.Should().Be(ConsentState.OptedOut);
        consent.DecidedBy.Should().Be(rule);
    }

    [TestCaseSource(nameof(DefaultClasses))]
    public async Task DefaultClass_ExplicitOptInLater_Overrides(WorkspaceComplianceProfile profile, ConsentRule rule)
    {
        await _ledger.OptInAsync(profile.WorkspaceId);
        var consent = await _ledger.GetEffectiveAsync(profile);
        consent.AllowsTraining.Should().BeTrue($"an explicit opt-in overrides {rule}");
        consent.DecidedBy.Should().Be(ConsentRule.ExplicitOptIn);
    }
}
