using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using FsCheck;
using FsCheck.Fluent;
using Intercom.AiCompliance.Audit;
using Intercom.AiCompliance.Catalog;
using Intercom.AiCompliance.Providers;
using Intercom.AiCompliance.Routing;
using Intercom.AiCompliance.Rules;
using Intercom.AiCompliance.Telemetry;
using Intercom.AiCompliance.Tests.Helpers;
using Intercom.AiCompliance.Workspaces;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Intercom.AiCompliance.Tests.Routing;

/// <summary>DESIGN.md invariant 7: no content, secret or personal data in logs, traces, metrics, exceptions or audit records.</summary>
[NonParallelizable]
public class LeakTests
{
    private const string Prompt = "Zanzibar-quokka-prompt-7731";
    private const string ApiKey = "sk-test-FAKEKEY0123456789abcdef";
    private const string Email = "jane.doe@example.org";
    private const string Phone = "+44 20 7946 0958";
    private const string Person = "Jane Quokkadottir";

    private static readonly string[] Secrets = [Prompt, ApiKey, Email, Phone, Person];

    [Test]
    public async Task EveryOutcome_LeavesNoContentInAnyChannel()
    {
        var captured = new ConcurrentBag<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == AiComplianceTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                captured.Add(a.DisplayName + " " + a.StatusDescription);
                foreach (var tag in a.TagObjects)
                {
                    captured.Add($"{tag.Key}={tag.Value}");
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == AiComplianceTelemetry.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((_, _, tags, _) => { foreach (var t in tags) captured.Add($"{t.Key}={t.Value}"); });
        meters.SetMeasurementEventCallback<double>((_, _, tags, _) => { foreach (var t in tags) captured.Add($"{t.Key}={t.Value}"); });
        meters.Start();
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new CapturingLoggerProvider(captured)));

        var sink = new InMemoryAuditSink();
        await using var trail = new AuditTrail(sink);
        var profiles = new InMemoryWorkspaceProfileStore([Requests.Profile("ws-leak")]);
        var (adapters, spy) = ScriptedClient.ForEveryProvider(TimeProvider.System);
        var catalog = ProviderCatalog.Create([Deployments.Make("ok", resolution: 0.1), Deployments.Make("down", resolution: 0.9), Deployments.Make("refuser", ProviderKind.OpenAI, resolution: 0.5)]);
        var router = new ProviderRouter(new RoutingPlanner(catalog, ComplianceRuleSet.Default), adapters, profiles, trail,
            new ProviderRouterOptions { Retry = { BaseDelay = TimeSpan.Zero } }, TimeProvider.System, loggerFactory.CreateLogger<ProviderRouter>());
        spy.Fail("down", ProviderFailureKind.ServerError);

        var text = $"Hi, I'm {Person} ({Email}, {Phone}). My key is {ApiKey}. {Prompt}";
        AiRequest Request(AiProduct product = AiProduct.FinAiAgent, Purpose purpose = Purpose.AnsweringEndUser, KnowledgeSource[]? sources = null) => new()
        {
            WorkspaceId = "ws-leak",
            Product = product,
            Purpose = purpose,
            Payload = new ChatPayload([new ChatMessage(ChatRole.User, text)]),
            KnowledgeSources = sources ?? [],
            ParticipantNames = [Person],
        };

        var exceptions = new List<Exception>();
        async Task Send(AiRequest r)
        {
            try
            {
                await router.SendAsync(r);
            }
            catch (Exception ex)
            {
                exceptions.Add(ex);
            }
        }

        await Send(Request());                                                              // success after failover
        await Send(Request(purpose: Purpose.EvaluatingIndividualWorker));                   // request refused
        await Send(Request(sources: [KnowledgeSource.Tickets]));                            // knowledge source refused
        await Send(Request() with { Payload = new SpeechSynthesisPayload(text) });          // no compliant route
        await Send(Request() with { WorkspaceId = Email });                                 // unknown workspace named by personal data
        spy.Fail("ok", ProviderFailureKind.ContentPolicyRefusal);
        spy.Fail("refuser", ProviderFailureKind.ContentPolicyRefusal);
        await Send(Request());                                                              // provider refusal
        spy.Fail("ok", ProviderFailureKind.ServerError);
        spy.Fail("refuser", ProviderFailureKind.ServerError);
        await Send(Request());                                                              // all candidates failed

        exceptions.Should().HaveCount(6);
        foreach (var ex in exceptions)
        {
            captured.Add(ex.ToString());
        }

        foreach (var record in sink.Records)
        {
            captured.Add(AuditChain.ToJson(record));
        }

        sink.Outcomes().Should().HaveCount(7, "one outcome record per request");
        captured.Should().NotBeEmpty();
        var everything = string.Join("\n", captured);
        foreach (var secret in Secrets.Where(s => s != Email))
        {
            everything.Should().NotContain(secret);
        }

        // The unknown workspace id was itself an e-mail address: the audit record must name the workspace, nothing else may.
        var outsideAudit = string.Join("\n", captured.Except(sink.Records.Select(AuditChain.ToJson)));
        outsideAudit.Should().NotContain(Email);
        outsideAudit.Should().NotContain("ws-leak", "telemetry and logs never carry workspace ids");
    }

    /// <summary>What adapters may throw, each quoting the prompt in its message, inner exceptions or data.</summary>
    private static readonly Func<string, Exception>[] Throwers =
    [
        p => new InvalidOperationException($"could not parse '{p}'", new FormatException(p)),
        p => new ProviderException(ProviderFailureKind.ServerError, $"upstream said: {p}", 503, null, new IOException(p)),
        p => new ProviderException(ProviderFailureKind.BadRequest, $"bad request for {p}", 400, null, new ArgumentException(p)),
        p => new ProviderException(ProviderFailureKind.ContentPolicyRefusal, $"refused: {p}", 400),
        p => new ProviderException(ProviderFailureKind.RateLimited, $"slow down ({p})", 429, TimeSpan.Zero),
        p => new TaskCanceledException($"timed out sending {p}", new TimeoutException(p)),
        p => new HttpRequestException($"connection reset while sending {p}", new IOException(p)),
        p => new TimeoutException(p),
        p =>
        {
            var ex = new ApplicationException("payload attached");
            ex.Data["payload"] = p;
            return ex;
        },
        p => new AggregateException($"several: {p}", new Exception(p), new InvalidDataException(p)),
        p => new OperationCanceledException(p),
    ];

    [Test]
    public void AdapterExceptionsQuotingThePrompt_NeverLeaveThePackageInAnyChannel()
    {
        var captured = new ConcurrentBag<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == AiComplianceTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                captured.Add(a.DisplayName + " " + a.StatusDescription);
                foreach (var tag in a.TagObjects)
                {
                    captured.Add($"{tag.Key}={tag.Value}");
                }

                foreach (var e in a.Events)
                {
                    captured.Add(e.Name + string.Join(",", e.Tags.Select(t => $"{t.Key}={t.Value}")));
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new CapturingLoggerProvider(captured)));
        var scenarios = 0;

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(150).WithQuietOnSuccess(true), Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            Scenario(seed, captured, loggerFactory).GetAwaiter().GetResult();
            scenarios++;
        }));

        scenarios.Should().Be(150);
        var everything = string.Join("\n", captured);
        everything.Should().NotContain(Prompt);
    }

    private static async Task Scenario(int seed, ConcurrentBag<string> captured, ILoggerFactory loggerFactory)
    {
        var rng = new Random(seed);
        var sink = new InMemoryAuditSink();
        await using var trail = new AuditTrail(sink);
        var (adapters, spy) = ScriptedClient.ForEveryProvider(TimeProvider.System);
        var catalog = ProviderCatalog.Create([Deployments.Make("first", resolution: 0.9), Deployments.Make("second", resolution: 0.5)]);
        var options = new ProviderRouterOptions
        {
            Retry = { MaxRetryAttempts = rng.Next(0, 3), BaseDelay = TimeSpan.Zero, UseJitter = false },
            CircuitBreaker = { MinimumThroughput = 2 },
        };
        var router = new ProviderRouter(new RoutingPlanner(catalog, ComplianceRuleSet.Default), adapters,
            new InMemoryWorkspaceProfileStore([Requests.Profile("ws-leak")]), trail, options, TimeProvider.System, loggerFactory.CreateLogger<ProviderRouter>());
        var prompt = $"{Prompt} {Email}";
        foreach (var id in new[] { "first", "second" })
        {
            var pick = rng.Next(Throwers.Length + 1);
            if (pick < Throwers.Length)
            {
                spy.Scripts[id] = _ => throw Throwers[pick](prompt);
            }
        }

        // Several requests, so breakers open and Polly's BrokenCircuitException (which keeps the breaking exception) appears.
        for (var i = rng.Next(1, 5); i > 0; i--)
        {
            try
            {
                await router.SendAsync(Requests.Make("ws-leak", text: prompt)).WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception ex) when (ex is not TimeoutException || ex.Message.Contains(Prompt, StringComparison.Ordinal))
            {
                foreach (var text in Describe(ex))
                {
                    captured.Add(text);
                }
            }
        }

        foreach (var record in sink.Records)
        {
            captured.Add(System.Text.Json.JsonSerializer.Serialize(record));
        }
    }

    /// <summary>Everything an exception shows: ToString (message, stack, inner exceptions), every Data entry, every attempt.</summary>
    private static IEnumerable<string> Describe(Exception ex)
    {
        var pending = new Stack<Exception>([ex]);
        while (pending.TryPop(out var e))
        {
            yield return e.ToString();
            foreach (System.Collections.DictionaryEntry entry in e.Data)
            {
                yield return $"{entry.Key}={entry.Value}";
            }

            switch (e)
            {
                case AllCandidatesFailedException all:
                    yield return string.Join(",", all.Attempts) + all.LastFailure;
                    break;
                case ProviderRefusalException refusal:
                    yield return string.Join(",", refusal.Attempts) + refusal.Failure;
                    break;
            }

            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (e.InnerException is { } innerException)
            {
                pending.Push(innerException);
            }
        }
    }

    private sealed class CapturingLoggerProvider(ConcurrentBag<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(sink);

        public void Dispose()
        {
        }

        private sealed class CapturingLogger(ConcurrentBag<string> sink) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                sink.Add(formatter(state, exception));
                if (state is IEnumerable<KeyValuePair<string, object?>> values)
                {
                    foreach (var v in values)
                    {
                        sink.Add($"{v.Key}={v.Value}");
                    }
                }

                if (exception is not null)
                {
                    sink.Add(exception.ToString());
                }
            }
        }
    }
}
