using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Intercom.AiCompliance.Tests.Helpers;

/// <summary>A scripted HTTP server on 127.0.0.1 standing in for a provider's API (never a real host).</summary>
public sealed class LocalHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LocalHttpServer(Func<string, string, (int Status, string Body, Dictionary<string, string>? Headers)> respond)
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                Requests.Enqueue((context.Request.Url!.AbsolutePath, context.Request.Headers["Authorization"], body));
                var (status, responseBody, headers) = respond(context.Request.Url!.AbsolutePath, body);
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/json";
                foreach (var (k, v) in headers ?? [])
                {
                    context.Response.Headers[k] = v;
                }

                var bytes = Encoding.UTF8.GetBytes(responseBody);
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        });
    }

    public int Port { get; }

    public string BaseAddress => $"http://127.0.0.1:{Port}";

    public ConcurrentQueue<(string Path, string? Authorization, string Body)> Requests { get; } = new();

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }
}
