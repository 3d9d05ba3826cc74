using System.Collections.Concurrent;
using System.Globalization;
using Detector.Api.V1;
using Detector.Evaluation.Data;
using Google.Protobuf;
using Grpc.Core;

namespace Detector.Cli.Scoring;

/// <summary>The results of scoring a data set: one slot per item (null when it failed) and the failures with their reasons.</summary>
internal sealed record ScoringOutcome(ImageResult?[] Results, IReadOnlyList<UnreadableItem> Failures);

/// <summary>
/// Scores many images over one ScoreStream, keeping at most <c>concurrency</c> images in flight so that memory stays bounded
/// and the server's batcher stays fed. A per-image error is recorded, never fatal. If the stream itself breaks (one oversized
/// image can end a whole stream), the images that were in flight are retried one by one with Score, so the culprit is isolated,
/// and a new stream carries on with the rest.
/// </summary>
internal sealed class StreamScorer
{
    /// <summary>Consecutive broken streams without progress before giving up.</summary>
    private const int MaxFruitlessStreams = 3;

    private readonly DetectorService.DetectorServiceClient _client;
    private readonly int _concurrency;
    private readonly ScoreOptions _options;

    public StreamScorer(DetectorService.DetectorServiceClient client, int concurrency, IReadOnlyList<string> models)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        _client = client;
        _concurrency = concurrency;
        _options = new ScoreOptions();
        _options.Models.AddRange(models);
    }

    /// <summary>Scores every item; <paramref name="itemDone"/> is called once per item, from any thread.</summary>
    /// <exception cref="RpcException">The server cannot be used at all (unreachable, or streams keep breaking).</exception>
    public async Task<ScoringOutcome> ScoreAsync(IReadOnlyList<DataSetItem> items, Action? itemDone, CancellationToken ct)
    {
        var state = new RunState(items, itemDone);
        List<int> pending = Enumerable.Range(0, items.Count).ToList();
        int fruitless = 0;
        while (pending.Count > 0)
        {
            int doneBefore = state.DoneCount;
            (HashSet<int> inFlight, RpcException? error) = await RunStreamAsync(pending, state, ct);
            if (error is not null && Consoles.IsServerFailure(error.StatusCode) && state.DoneCount == doneBefore)
            {
                throw error;
            }

            foreach (int index in inFlight)
            {
                await ScoreOneAsync(index, state, ct);
            }

            pending = pending.Where(i => !state.IsDone(i)).ToList();
            fruitless = state.DoneCount == doneBefore ? fruitless + 1 : 0;
            if (pending.Count > 0 && fruitless >= MaxFruitlessStreams)
            {
                throw error ?? new RpcException(new Status(StatusCode.Unknown, "the server ended the stream without answering"));
            }
        }

        return new ScoringOutcome(state.Results, [.. state.Failures.OrderBy(static f => f.Index).Select(static f => f.Item)]);
    }

    private async Task<(HashSet<int> InFlight, RpcException? Error)> RunStreamAsync(List<int> round, RunState state, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var call = _client.ScoreStream(cancellationToken: cts.Token);
        using var window = new SemaphoreSlim(_concurrency);
        var inFlight = new ConcurrentDictionary<int, bool>();
        RpcException? error = null;

        Task writer = Task.Run(
            async () =>
            {
                try
                {
                    foreach (int index in round)
                    {
                        await window.WaitAsync(cts.Token);
                        byte[]? bytes = await ReadAsync(index, state, cts.Token);
                        if (bytes is null)
                        {
                            window.Release();
                            continue;
                        }

                        // Registered before the write so that a fast answer always finds it.
                        inFlight[index] = true;
                        await call.RequestStream.WriteAsync(
                            new ScoreStreamRequest { Image = new ImageInput { Id = Id(index), Data = ByteString.CopyFrom(bytes) }, Options = _options },
                            cts.Token);
                    }

                    await call.RequestStream.CompleteAsync();
                }
                catch (Exception) when (cts.IsCancellationRequested)
                {
                    // The reader failed or the user cancelled; the reader's side reports it.
                }
                catch (Exception)
                {
                    // A broken request stream: stop the reader too; what is left is retried by the caller.
                    await cts.CancelAsync();
                }
            },
            CancellationToken.None);

        try
        {
            await foreach (ScoreStreamResponse response in call.ResponseStream.ReadAllAsync(cts.Token))
            {
                // Every response answers one request, so it frees a slot even when its id cannot be matched; an unmatched
                // image stays in flight and is retried alone after the stream.
                if (response.Result is { } result
                    && int.TryParse(result.Id, NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                    && inFlight.TryRemove(index, out _))
                {
                    state.Complete(index, result);
                }

                window.Release();
            }
        }
        catch (RpcException ex) when (!ct.IsCancellationRequested)
        {
            error = ex;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            error = new RpcException(new Status(StatusCode.Cancelled, "the request stream broke"));
        }
        finally
        {
            await cts.CancelAsync();
            await writer;
        }

        ct.ThrowIfCancellationRequested();
        return ([.. inFlight.Keys], error);
    }

    private async Task ScoreOneAsync(int index, RunState state, CancellationToken ct)
    {
        byte[]? bytes = await ReadAsync(index, state, ct);
        if (bytes is null)
        {
            return;
        }

        try
        {
            ScoreResponse response = await _client.ScoreAsync(
                new ScoreRequest { Image = new ImageInput { Id = Id(index), Data = ByteString.CopyFrom(bytes) }, Options = _options },
                cancellationToken: ct);
            state.Complete(index, response.Result ?? new ImageResult { Status = new ItemStatus { Code = (int)StatusCode.Unknown, Message = "empty response" } });
        }
        catch (RpcException ex) when (!Consoles.IsServerFailure(ex.StatusCode) && ex.StatusCode != StatusCode.Cancelled)
        {
            state.Fail(index, $"{Consoles.CodeName(ex.StatusCode)}: {ex.Status.Detail}");
        }
    }

    private static async Task<byte[]?> ReadAsync(int index, RunState state, CancellationToken ct)
    {
        try
        {
            return await File.ReadAllBytesAsync(state.Items[index].Path, ct);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            state.Fail(index, $"cannot read: {ex.Message}");
            return null;
        }
    }

    private static string Id(int index) => index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Per-run bookkeeping shared by the writer, the reader and the retries.</summary>
    private sealed class RunState(IReadOnlyList<DataSetItem> items, Action? itemDone)
    {
        private readonly bool[] _done = new bool[items.Count];
        private readonly Lock _lock = new();
        private int _doneCount;

        public IReadOnlyList<DataSetItem> Items { get; } = items;

        public ImageResult?[] Results { get; } = new ImageResult?[items.Count];

        public ConcurrentBag<(int Index, UnreadableItem Item)> Failures { get; } = [];

        public int DoneCount => Volatile.Read(ref _doneCount);

        public bool IsDone(int index)
        {
            lock (_lock)
            {
                return _done[index];
            }
        }

        public void Complete(int index, ImageResult result)
        {
            if (result.Status is { Code: not 0 } status)
            {
                Fail(index, $"{Consoles.CodeName(status.Code)}: {status.Message}");
                return;
            }

            if (MarkDone(index))
            {
                // Raw outputs can be dense maps; a large data set would hold them all in memory, and evaluation needs only scores.
                foreach (ModelScore score in result.Scores)
                {
                    score.Raw.Clear();
                }

                Results[index] = result;
            }
        }

        public void Fail(int index, string reason)
        {
            if (MarkDone(index))
            {
                Failures.Add((index, new UnreadableItem(Items[index].DisplayPath, reason)));
            }
        }

        private bool MarkDone(int index)
        {
            lock (_lock)
            {
                if (_done[index])
                {
                    return false;
                }

                _done[index] = true;
                _doneCount++;
            }

            itemDone?.Invoke();
            return true;
        }
    }
}
