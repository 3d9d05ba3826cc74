using Detector.Api.V1;
using Detector.TestSupport;
using Google.Protobuf;

namespace Detector.Server.Tests;

/// <summary>Batching brought back on CPU with <c>Batching:CpuMaxBatchSize=0</c>: the manifest's maximum, the same scores.</summary>
public sealed class CpuBatchingTests() : HostTestBase(new DetectorHostFactory(new Dictionary<string, string?>
{
    ["Batching:CpuMaxBatchSize"] = "0",
    ["Batching:MaxDelayMilliseconds"] = "20",
}))
{
    private static readonly double RedScore = TestModelFolder.TinyRedScore;
    private static readonly double BlueScore = TestModelFolder.TinyBlueScore;

    [Fact]
    public async Task ListModels_CpuMaxBatchSizeZero_ReportsTheManifestsMaximum()
    {
        ListModelsResponse response = await Client.ListModelsAsync(new ListModelsRequest());

        Assert.Equal(8, Assert.Single(response.Models, m => m.Name == "tiny").MaxBatchSize);
    }

    [Fact]
    public async Task ScoreBatch_BatchingOnCpu_ScoresAreTheModels()
    {
        ScoreBatchRequest request = new();
        for (int i = 0; i < 24; i++)
        {
            byte[] png = i % 2 == 0 ? TestImages.SolidPng(20, 20, 255, 0, 0) : TestImages.SolidPng(20, 20, 0, 0, 255);
            request.Images.Add(new ImageInput { Id = $"img-{i}", Data = ByteString.CopyFrom(png) });
        }

        ScoreBatchResponse response = await Client.ScoreBatchAsync(request);

        Assert.Equal(request.Images.Select(i => i.Id), response.Results.Select(r => r.Id));
        for (int i = 0; i < request.Images.Count; i++)
        {
            Assert.Equal(i % 2 == 0 ? RedScore : BlueScore, response.Results[i].Scores[0].Score, 5);
        }
    }
}
