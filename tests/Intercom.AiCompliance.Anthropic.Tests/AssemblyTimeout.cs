// Every test has a time limit, so a regression fails instead of hanging the suite. NUnit's [Timeout] is marked
// obsolete on .NET because it cannot abort the thread; it still fails the test when the limit passes and lets the
// run go on, which is exactly what a hang needs. [CancelAfter] only works for tests that observe its token.
#pragma warning disable CS0618
[assembly: Timeout(120_000)]
#pragma warning restore CS0618
