using System.Collections.Concurrent;
using System.Diagnostics;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>
/// A test host (the SQLite crash host, the PostgreSQL fleet host) run as a separate process with <c>dotnet</c>, so a
/// test can read its lines and kill it with SIGKILL. The chain key and any other settings go through the environment,
/// never the command line.
/// </summary>
public sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HostProcess(Process process) => _process = process;

    /// <summary>Every line the child printed so far, in order.</summary>
    public ConcurrentQueue<string> Lines { get; } = new();

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="hostAssembly"/> (a DLL beside the tests) with <paramref name="args"/> and these extra environment variables.</summary>
    public static HostProcess Start(string hostAssembly, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, hostAssembly + ".dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["AICOMPLIANCE_AUDIT_CHAIN_KEY"] = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info };
        var child = new HostProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._stdoutClosed.TrySetResult();
            }
            else
            {
                child.Lines.Enqueue(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        return child;
    }

    /// <summary>Waits until a line satisfies <paramref name="match"/>, or the child exits, or the token fires.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (Lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            if (_process.HasExited && _stdoutClosed.Task.IsCompleted)
            {
                throw new InvalidOperationException($"The host process exited ({_process.ExitCode}) before printing the line: {await _process.StandardError.ReadToEndAsync(cancellationToken)}");
            }

            await Task.Delay(5, cancellationToken);
        }
    }

    /// <summary>SIGKILL: the process gets no chance to flush, close or checkpoint anything.</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync(cancellationToken);
        await _stdoutClosed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Waits for the child to end by itself; returns its exit code and standard error.</summary>
    public async Task<(int ExitCode, string StandardError)> WaitForExitAsync(CancellationToken cancellationToken)
    {
        var stderr = await _process.StandardError.ReadToEndAsync(cancellationToken);
        await _process.WaitForExitAsync(cancellationToken);
        await _stdoutClosed.Task.WaitAsync(cancellationToken);
        return (_process.ExitCode, stderr);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }
}
