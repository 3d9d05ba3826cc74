using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Detector.Engine.Models;
using Detector.Server.Hosting;
using Detector.TestSupport;
using Microsoft.Extensions.Options;

namespace Detector.Server.Tests;

/// <summary>
/// What an operator sees when the service cannot start: one line on stderr naming the problem and exit code 2, from
/// the real process (the test host lets the exception propagate instead), never an unhandled-exception abort.
/// </summary>
public sealed class StartupFailureTests
{
    [Fact]
    public async Task UnknownExecutionProvider_ExitsTwoNamingTheSetting()
    {
        (int exitCode, string stderr) = await RunServerAsync("--provider", "gpu");

        Assert.Equal(2, exitCode);
        Assert.Contains("Detector cannot start: Inference:ExecutionProvider must be auto, cuda or cpu", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnconvertibleSetting_ExitsTwoNamingTheKey()
    {
        (int exitCode, string stderr) = await RunServerAsync("--Api:DefaultEvidence=Fulll");

        Assert.Equal(2, exitCode);
        Assert.Contains("Detector cannot start:", stderr, StringComparison.Ordinal);
        Assert.Contains("Api:DefaultEvidence", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortInUse_ExitsTwoNamingTheAddress()
    {
        using TcpListener taken = new(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        (int exitCode, string stderr) = await RunServerAsync(grpcPort: port);

        Assert.Equal(2, exitCode);
        Assert.Contains($"Detector cannot start: Failed to bind to address http://127.0.0.1:{port}", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_ValidationFailures_JoinsEveryFailure()
    {
        OptionsValidationException ex = new("Api", typeof(object), ["first problem", "second problem"]);

        Assert.Equal("first problem; second problem", StartupFailure.Describe(ex));
    }

    [Fact]
    public void Describe_SeveralFailuresAtOnce_DescribesEach()
    {
        AggregateException ex = new(new ManifestException("models/x/manifest.json", "file", "is missing"), new IOException("Failed to bind to address http://127.0.0.1:5000: address already in use."));

        Assert.Equal("models/x/manifest.json: field 'file': is missing; Failed to bind to address http://127.0.0.1:5000: address already in use.", StartupFailure.Describe(ex));
    }

    [Fact]
    public void Describe_UnexpectedException_SaysSoAndPointsAtTheLog()
    {
        string problem = StartupFailure.Describe(new NotSupportedException("something odd"));

        Assert.Equal("unexpected NotSupportedException: something odd (stack trace in the log)", problem);
    }

    [Fact]
    public void IsUnexpected_KnownFailures_AreNotButOthersAre()
    {
        Assert.False(StartupFailure.IsUnexpected(new OptionsValidationException("Api", typeof(object), ["x"])));
        Assert.False(StartupFailure.IsUnexpected(new IOException("Failed to bind")));
        Assert.False(StartupFailure.IsUnexpected(new InvalidOperationException("Failed to convert configuration value 'x' at 'Api:DefaultEvidence'", new FormatException("x"))));
        Assert.True(StartupFailure.IsUnexpected(new InvalidOperationException("something else", new FormatException("x"))));
        Assert.True(StartupFailure.IsUnexpected(new AggregateException(new IOException("a"), new NullReferenceException())));
    }

    [Fact]
    public void IsOwnProcess_UnderTheTestHost_IsFalse()
    {
        Assert.False(StartupFailure.IsOwnProcess);
    }

    /// <summary>Runs the built server (beside the tests) with a tiny model on free ports, until it exits.</summary>
    private static async Task<(int ExitCode, string Stderr)> RunServerAsync(params string[] args) => await RunServerAsync(null, args);

    private static async Task<(int ExitCode, string Stderr)> RunServerAsync(int? grpcPort, params string[] args)
    {
        using TestModelFolder models = new();
        models.AddTinyModel("tiny");
        ProcessStartInfo start = new(Environment.ProcessPath!)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Detector.Server.dll"));
        start.ArgumentList.Add("--models");
        start.ArgumentList.Add(models.Root);
        start.ArgumentList.Add($"--Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:{grpcPort ?? FreePort()}");
        start.ArgumentList.Add($"--Kestrel:Endpoints:Http:Url=http://127.0.0.1:{FreePort()}");
        start.ArgumentList.Add("--Shutdown:DrainDelaySeconds=0");
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using CancellationTokenSource limit = new(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the server was still running after 120 s; it should have refused to start. stdout: {await stdout}");
        }

        await stdout;
        return (process.ExitCode, await stderr);
    }

    private static int FreePort()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
