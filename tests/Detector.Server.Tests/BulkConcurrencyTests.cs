using Detector.Api.V1;
using Detector.Imaging.Decoding;
using Detector.TestSupport;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Detector.Server.Tests;

/// <summary>
/// The images of one ScoreBatch call, and the images in flight on one ScoreStream, are decoded in parallel on the work
/// pool, not one after another on the call's thread (which left a 16-core GPU box decoding one image per call).
/// </summary>
public sealed class BulkConcurrencyTests
{
    private const int Images = 4;

    /// <summary>
    /// Holds every decode until <paramref name="target"/> decodes are in progress at once (or a generous bound passes, so
    /// that a serial server fails the assertion instead of hanging), and records the most seen at once.
    /// </summary>
    private sealed class ConcurrencyProbeDecoder(IImageDecoder inner, int target) : IImageDecoder
    {
        private readonly ManualResetEventSlim _reached = new();
        private int _active;
        private int _maxActive;

        public int MaxActive => Volatile.Read(ref _maxActive);

        public ImageHeader Identify(ReadOnlyMemory<byte> data) => inner.Identify(data);

        public DecodedImage Decode(ReadOnlyMemory<byte> data)
        {
            int now = Interlocked.Increment(ref _active);
            int seen;
            while (now > (seen = Volatile.Read(ref _maxActive)) && Interlocked.CompareExchange(ref _maxActive, now, seen) != seen)
            {
            }

            if (now >= target)
            {
                _reached.Set();
            }

            try
            {
                _reached.Wait(TimeSpan.FromSeconds(10));
                return inner.Decode(data);
            }
            finally
            {
                Interlocked.Decrement(ref _active);
            }
        }
    }

    private static (DetectorHostFactory Factory, Func<ConcurrencyProbeDecoder> Probe) Host()
    {
        ConcurrencyProbeDecoder? probe = null;
        DetectorHostFactory factory = new(
            new Dictionary<string, string?> { ["WorkPool:Workers"] = Images.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Api:MaxInFlightPerStream"] = "8" },
            services: services =>
            {
                services.RemoveAll<IImageDecoder>();
                services.AddSingleton<IImageDecoder>(_ => probe = new ConcurrencyProbeDecoder(new ImageSharpDecoder(new ImagingOptions()), Images));
            });
        return (factory, () => probe ?? throw new InvalidOperationException("the host never asked for a decoder"));
    }

    private static ImageInput Image(int i) => new() { Id = $"img-{i}", Data = ByteString.CopyFrom(TestImages.SolidPng(32, 32, (byte)(60 * i), 0, 0)) };

    [Fact]
    public async Task ScoreBatch_ImagesOfOneCall_AreDecodedInParallel()
    {
        (DetectorHostFactory factory, Func<ConcurrencyProbeDecoder> probe) = Host();
        await using (factory)
        {
            using Grpc.Net.Client.GrpcChannel channel = factory.CreateChannel();
            await factory.WaitUntilServingAsync(channel);
            ScoreBatchRequest request = new();
            request.Images.AddRange(Enumerable.Range(0, Images).Select(Image));

            ScoreBatchResponse response = await DetectorHostFactory.CreateClient(channel).ScoreBatchAsync(request);

            Assert.All(response.Results, r => Assert.Equal(0, r.Status.Code));
            Assert.Equal(Images, probe().MaxActive);
        }
    }

    [Fact]
    public async Task ScoreStream_ImagesInFlight_AreDecodedInParallel()
    {
        (DetectorHostFactory factory, Func<ConcurrencyProbeDecoder> probe) = Host();
        await using (factory)
        {
            using Grpc.Net.Client.GrpcChannel channel = factory.CreateChannel();
            await factory.WaitUntilServingAsync(channel);
            using AsyncDuplexStreamingCall<ScoreStreamRequest, ScoreStreamResponse> call = DetectorHostFactory.CreateClient(channel).ScoreStream();
            for (int i = 0; i < Images; i++)
            {
                await call.RequestStream.WriteAsync(new ScoreStreamRequest { Image = Image(i) });
            }

            await call.RequestStream.CompleteAsync();
            List<ImageResult> results = [];
            await foreach (ScoreStreamResponse message in call.ResponseStream.ReadAllAsync())
            {
                results.Add(message.Result);
            }

            Assert.Equal(Images, results.Count);
            Assert.All(results, r => Assert.Equal(0, r.Status.Code));
            Assert.Equal(Images, probe().MaxActive);
        }
    }
}
