using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Detector.Bench;

/// <summary>
/// Detector.Server started as a child process on 127.0.0.1 with a temporary model folder. Its output goes to a log file in the
/// run's temp folder (the server never logs image bytes) and the last lines are kept for error messages. Stopped with SIGTERM
/// (drain), then killed after 30 s; also killed if the bench exits first.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private const int KeptLines = 200;

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly ConcurrentQueue<string> _tail = new();
    private readonly ConcurrentQueue<string> _providerLines = new();

    private ServerProcess(Process process, StreamWriter log, string logPath, string commandLine)
    {
        _process = process;
        _log = log;
        LogPath = logPath;
        CommandLine = commandLine;
    }

    public int Pid => _process.Id;

    public string LogPath { get; }

    public string CommandLine { get; }

    /// <summary>Log lines where the server said which execution provider each model runs on, and why.</summary>
    public IReadOnlyCollection<string> ProviderLines => _providerLines;

    public string Tail => string.Join(Environment.NewLine, _tail);

    /// <summary>The Release build in the checkout, for --start-server without --server-path.</summary>
    public static string DefaultPath(string? repoRoot) =>
        repoRoot is null
            ? throw new InvalidOperationException("not in a checkout: pass --server-path")
            : Path.Combine(repoRoot, "service", "Detector.Server", "bin", "Release", "net10.0", "Detector.Server.dll");

    public static ServerProcess Start(string serverPath, string modelsDirectory, int port, IReadOnlyList<KeyValuePair<string, string>> settings, string logPath)
    {
        if (!File.Exists(serverPath))
        {
            throw new InvalidOperationException($"server not found at {serverPath}: build it with 'dotnet build -c Release service/Detector.Server' or pass --server-path");
        }

        EnsurePortFree(port);
        EnsurePortFree(port + 1);
        bool isDll = serverPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        ProcessStartInfo start = new(isDll ? "dotnet" : serverPath)
        {
            WorkingDirectory = Path.GetDirectoryName(serverPath)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (isDll)
        {
            start.ArgumentList.Add(serverPath);
        }

        start.ArgumentList.Add("--models");
        start.ArgumentList.Add(modelsDirectory);
        start.ArgumentList.Add($"--Kestrel:Endpoints:Grpc:Url=http://{BenchSettings.Host}:{port}");
        start.ArgumentList.Add($"--Kestrel:Endpoints:Http:Url=http://{BenchSettings.Host}:{port + 1}");
        // No load balancer to tell: the bench's own client is done when it stops the server (a setting may override).
        start.ArgumentList.Add("--Shutdown:DrainDelaySeconds=0");
        List<string> environment = [];
        foreach ((string key, string value) in settings)
        {
            // "env:NAME" sets an environment variable of the server (runtime knobs that configuration cannot reach).
            if (key.StartsWith("env:", StringComparison.Ordinal))
            {
                start.Environment[key[4..]] = value;
                environment.Add($"{key[4..]}={value}");
                continue;
            }

            start.ArgumentList.Add($"--{key}={value}");
        }

        // Plain log lines, one per event, without colour codes.
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        start.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";
        string commandLine = string.Join(' ', environment.Concat([start.FileName]).Concat(start.ArgumentList));

        StreamWriter log = new(logPath) { AutoFlush = true };
        Process process = new() { StartInfo = start, EnableRaisingEvents = true };
        ServerProcess server = new(process, log, logPath, commandLine);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"cannot start {commandLine}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.KillNow();
        return server;
    }

    /// <summary>Waits until grpc.health.v1 says SERVING for the detector service (models loaded and warmed up).</summary>
    public async Task WaitReadyAsync(GrpcChannel channel, TimeSpan timeout)
    {
        Health.HealthClient health = new(channel);
        Stopwatch waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with code {_process.ExitCode} before it was ready:{Environment.NewLine}{Tail}");
            }

            try
            {
                HealthCheckResponse response = await health.CheckAsync(
                    new HealthCheckRequest { Service = "detector.v1.DetectorService" },
                    deadline: DateTime.UtcNow.AddSeconds(5));
                if (response.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (RpcException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        throw new InvalidOperationException($"the server was not SERVING within {timeout.TotalSeconds:F0} s:{Environment.NewLine}{Tail}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM: the server stops admission and answers what it accepted (graceful drain), like a real rollout.
            using (Process? kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
            {
                kill?.WaitForExit(5000);
            }

            using CancellationTokenSource wait = new(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                KillNow();
            }
        }

        _process.Dispose();
        await _log.DisposeAsync();
    }

    private static void EnsurePortFree(int port)
    {
        try
        {
            using TcpListener probe = new(IPAddress.Loopback, port);
            probe.Start();
            probe.Stop();
        }
        catch (SocketException)
        {
            throw new InvalidOperationException($"port {port} on 127.0.0.1 is in use (another server?): pick another with --port");
        }
    }

    private void KillNow()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.WriteLine(line);
        }

        _tail.Enqueue(line);
        while (_tail.Count > KeptLines && _tail.TryDequeue(out _))
        {
        }

        if (line.Contains("ExecutionProvider", StringComparison.Ordinal))
        {
            _providerLines.Enqueue(line.Trim());
        }
    }
}
