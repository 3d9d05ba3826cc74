using Detector.Engine.Scoring;
using Detector.Server.Api;
using Microsoft.Extensions.Options;

namespace Detector.Server.Hosting;

/// <summary>
/// Holds the stop for <see cref="ShutdownOptions.DrainDelaySeconds"/> before any hosted service (Kestrel included)
/// stops: admission is already closed, so the service answers every call it receives (UNAVAILABLE for new images)
/// instead of letting them meet a closing connection.
/// </summary>
internal sealed class DrainDelayService(ModelHost host, IOptions<ShutdownOptions> options, TimeProvider time, ILogger<DrainDelayService> logger)
    : IHostedLifecycleService
{
    private readonly Lock _gate = new();
    private Task? _delay;

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        // Runs before the host raises ApplicationStopping when the host is stopped directly: close admission first.
        host.BeginDrain();

        // One delay per process: a second, concurrent stop (the app's own run loop and a test, say) waits for the same
        // one, and a stop after it ended (a disposing host stops again) does not wait again.
        lock (_gate)
        {
            return _delay ??= DelayAsync(cancellationToken);
        }
    }

    private async Task DelayAsync(CancellationToken cancellationToken)
    {
        TimeSpan delay = TimeSpan.FromSeconds(options.Value.DrainDelaySeconds);
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        ServerLog.DrainDelay(logger, delay.TotalSeconds);
        try
        {
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The shutdown timeout ended the delay; the stop goes on.
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
