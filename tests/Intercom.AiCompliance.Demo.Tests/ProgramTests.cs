using System.Diagnostics;

namespace Intercom.AiCompliance.Demo.Tests;

/// <summary>The demo's entry point, run as CI and a user run it: its own process, from its own output folder.</summary>
[NonParallelizable]
public sealed class ProgramTests
{
    private static readonly string[] CredentialVariables =
    [
        "OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_PROFILE", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "ELEVENLABS_API_KEY", "ELEVENLABS_VOICE_ID",
    ];

    [Test]
    [CancelAfter(110_000)]
    public async Task Main_NoArguments_RunsTheOfflineDemoAndExitsZero(CancellationToken token)
    {
        var (exit, output) = await RunDemoAsync([], token);

        exit.Should().Be(0, output);
        output.Should().Contain("Providers are simulated in-process; no network is used.");
        output.Should().Contain("Phase 2: outages at Anthropic");
        output.Should().Contain("MAC chain verified under the chain key");
        output.Should().Contain("Boundary held");
        output.Should().NotContain("live demo");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Main_LiveWithoutCredentials_ExitsNonZeroNamingTheVariables(CancellationToken token)
    {
        var (exit, output) = await RunDemoAsync(["--live"], token);

        exit.Should().Be(3, output);
        output.Should().Contain("No provider has credentials").And.Contain("OPENAI_API_KEY").And.Contain("AWS_ACCESS_KEY_ID");
    }

    private static async Task<(int Exit, string Output)> RunDemoAsync(string[] args, CancellationToken token)
    {
        // The test's own output folder holds the demo's assembly (a project reference); its runtimeconfig sits in the
        // demo's output folder, which has the same configuration and target as this one.
        var here = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var target = Path.GetFileName(here);
        var configuration = Path.GetFileName(Path.GetDirectoryName(here)!);
        var root = Path.GetFullPath(Path.Combine(here, "..", "..", "..", "..", ".."));
        var demo = Path.Combine(root, "samples", "Intercom.AiCompliance.Demo", "bin", configuration, target, "Intercom.AiCompliance.Demo.dll");
        File.Exists(demo).Should().BeTrue($"the demo is built by the project reference ({demo})");

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(demo)!,
        };
        start.ArgumentList.Add(demo);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var v in CredentialVariables)
        {
            start.Environment.Remove(v);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(token);
        var stderr = process.StandardError.ReadToEndAsync(token);
        try
        {
            await process.WaitForExitAsync(token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
