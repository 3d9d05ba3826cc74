using Detector.Api.V1;
using Detector.TestSupport;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Detector.Server.Tests;

/// <summary>grpc.health stays NOT_SERVING, and images are refused as UNAVAILABLE, until every model is warmed up.</summary>
public sealed class WarmUpHealthTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Health_WhileWarmUpIsHeld_NotServingUntilItEnds()
    {
        // Arrange: the first model run, the warm-up's, waits at a gate.
        RunnerGate gate = new();
        TaskCompletionSource warmUp = gate.HoldNextRun();
        await using DetectorHostFactory factory = new(services: gate.Install);
        using GrpcChannel channel = factory.CreateChannel();
        Health.HealthClient health = new(channel);
        Assert.True(await gate.Held.WaitAsync(WaitLimit));

        // Act
        HealthCheckResponse held = await health.CheckAsync(new HealthCheckRequest { Service = "detector.v1.DetectorService" });
        RpcException refused = await Assert.ThrowsAsync<RpcException>(() => DetectorHostFactory.CreateClient(channel).ScoreAsync(new ScoreRequest
        {
            Image = new ImageInput { Id = "early", Data = ByteString.CopyFrom(TestImages.SolidPng(8, 8, 1, 2, 3)) },
        }).ResponseAsync);
        warmUp.SetResult();

        // Assert
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, held.Status);
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        await factory.WaitUntilServingAsync(channel);
    }
}
