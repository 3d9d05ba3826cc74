using Detector.Cli.Scoring;
using Detector.Evaluation.Data;

namespace Detector.Evaluation.Tests.Cli;

public class StreamScorerTests
{
    [Fact]
    public async Task ScoreAsync_PoisonImageBreaksStream_OthersStillScoredAndPoisonListed()
    {
        using var dir = new TempFolder();
        var items = new List<DataSetItem>();
        for (int i = 0; i < 20; i++)
        {
            string text = i == 7 ? "poison" : i == 12 ? "bad" : "0.5";
            items.Add(new DataSetItem(dir.Write($"{i}.png", text), $"{i}.png", i % 2 == 0, ""));
        }

        var client = new FakeDetectorClient();
        int done = 0;

        ScoringOutcome outcome = await new StreamScorer(client, concurrency: 4, models: []).ScoreAsync(items, () => Interlocked.Increment(ref done), CancellationToken.None);

        Assert.Equal(20, done);
        Assert.Equal(18, outcome.Results.Count(static r => r is not null));
        Assert.Null(outcome.Results[7]);
        Assert.Null(outcome.Results[12]);
        Assert.Equal(["7.png", "12.png"], outcome.Failures.Select(static f => f.Path));
        Assert.True(client.StreamsOpened >= 2, "the rest must go on in a new stream");
    }

    [Fact]
    public async Task ScoreAsync_FileDeletedBeforeScoring_ListedAsUnreadable()
    {
        using var dir = new TempFolder();
        string kept = dir.Write("a.png", "0.5");
        var items = new List<DataSetItem>
        {
            new(kept, "a.png", true, ""),
            new(dir.PathOf("gone.png"), "gone.png", false, ""),
        };

        ScoringOutcome outcome = await new StreamScorer(new FakeDetectorClient(), concurrency: 2, models: []).ScoreAsync(items, null, CancellationToken.None);

        Assert.NotNull(outcome.Results[0]);
        Assert.StartsWith("cannot read", Assert.Single(outcome.Failures).Reason, StringComparison.Ordinal);
    }
}
