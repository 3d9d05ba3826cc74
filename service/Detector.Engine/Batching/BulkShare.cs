namespace Detector.Engine.Batching;

/// <summary>
/// Interactive first without starving bulk: the rule the model batchers and the decode pool share. When both wait, bulk
/// keeps a quarter of a batch, or every fourth single place. Not thread-safe: callers hold their own lock.
/// </summary>
internal struct BulkShare
{
    private const int StarvationLimit = 3;
    private int _skipped;

    /// <summary>How many of <paramref name="room"/> places go to bulk first, before interactive images fill the rest.</summary>
    public readonly int BulkFirst(int room, bool interactiveWaiting, bool bulkWaiting) =>
        !bulkWaiting || !interactiveWaiting ? 0
        : room > 1 ? Math.Max(1, room / 4)
        : _skipped >= StarvationLimit ? 1 : 0;

    /// <summary>Records a round: while bulk waits, every round that gives it nothing brings its turn closer.</summary>
    public void Record(bool bulkWaiting, bool bulkTaken)
    {
        if (bulkWaiting)
        {
            _skipped = bulkTaken ? 0 : _skipped + 1;
        }
    }
}
