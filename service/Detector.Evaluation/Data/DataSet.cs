namespace Detector.Evaluation.Data;

/// <summary>How the data set was given on the command line.</summary>
public enum DataSetKind
{
    /// <summary>A folder with <c>real/</c> and <c>fake/</c> subfolders.</summary>
    Folder,

    /// <summary>A CSV file of <c>path,label[,group]</c> rows.</summary>
    Csv,
}

/// <summary>How items are put into groups for the per-group breakdown.</summary>
public enum GroupBy
{
    /// <summary>Folders: the file-name prefix before the first '_'. CSV: the group column.</summary>
    Prefix,

    /// <summary>No per-group breakdown.</summary>
    None,
}

/// <summary>One labelled image of the data set.</summary>
/// <param name="Path">Full path of the file.</param>
/// <param name="DisplayPath">The path as the report shows it: relative to the data folder, or as written in the CSV.</param>
/// <param name="IsFake">True for the positive class (AI-generated or manipulated).</param>
/// <param name="Group">Group name; empty when the item has none.</param>
public sealed record DataSetItem(string Path, string DisplayPath, bool IsFake, string Group);

/// <summary>A file that could not be scored, and why. Listed in the report; never fatal.</summary>
public sealed record UnreadableItem(string Path, string Reason);

/// <summary>A loaded data set: the items to score and the entries that were skipped.</summary>
public sealed class DataSet
{
    public DataSet(string source, DataSetKind kind, GroupBy groupBy, IReadOnlyList<DataSetItem> items, IReadOnlyList<UnreadableItem> unreadable)
    {
        Source = source;
        Kind = kind;
        GroupBy = groupBy;
        Items = items;
        Unreadable = unreadable;
    }

    /// <summary>Full path of the folder or CSV file.</summary>
    public string Source { get; }

    public DataSetKind Kind { get; }

    public GroupBy GroupBy { get; }

    public IReadOnlyList<DataSetItem> Items { get; }

    /// <summary>Entries found while loading that cannot be scored (missing, empty, bad CSV line).</summary>
    public IReadOnlyList<UnreadableItem> Unreadable { get; }

    public int FakeCount => Items.Count(static i => i.IsFake);

    public int RealCount => Items.Count(static i => !i.IsFake);
}

/// <summary>The data set cannot be used at all (missing, no real/ or fake/, empty). The CLI exits with code 2.</summary>
public sealed class DataSetException : Exception
{
    public DataSetException()
    {
    }

    public DataSetException(string message)
        : base(message)
    {
    }

    public DataSetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
