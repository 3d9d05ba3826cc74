using Detector.Evaluation.Data;

namespace Detector.Evaluation.Tests.Data;

public class DataSetLoaderTests
{
    [Fact]
    public void Load_Folder_FindsImagesRecursivelyWithLabelsAndPrefixGroups()
    {
        using var dir = new TempFolder();
        dir.Write("real/ffhq_001.png", "x");
        dir.Write("real/sub/ffhq_002.JPG", "x");
        dir.Write("real/photo.jpeg", "x");
        dir.Write("fake/cnndet_10_san.png", "x");
        dir.Write("fake/notes.txt", "ignored");

        DataSet data = DataSetLoader.Load(dir.Path);

        Assert.Equal(DataSetKind.Folder, data.Kind);
        Assert.Equal(3, data.RealCount);
        Assert.Equal(1, data.FakeCount);
        Assert.Contains(data.Items, i => i.DisplayPath == Path.Combine("real", "sub", "ffhq_002.JPG") && !i.IsFake && i.Group == "ffhq");
        Assert.Contains(data.Items, i => i.DisplayPath == Path.Combine("fake", "cnndet_10_san.png") && i.IsFake && i.Group == "cnndet");
        Assert.Contains(data.Items, i => i.DisplayPath == Path.Combine("real", "photo.jpeg") && i.Group == DataSetLoader.NoGroup);
        Assert.Empty(data.Unreadable);
    }

    [Fact]
    public void Load_FolderGroupByNone_ItemsHaveNoGroup()
    {
        using var dir = new TempFolder();
        dir.Write("real/ffhq_001.png", "x");
        dir.Write("fake/sd_001.png", "x");

        DataSet data = DataSetLoader.Load(dir.Path, GroupBy.None);

        Assert.All(data.Items, static i => Assert.Equal(DataSetLoader.NoGroup, i.Group));
    }

    [Fact]
    public void Load_FolderWithEmptyFile_ListsItAsUnreadable()
    {
        using var dir = new TempFolder();
        dir.Write("real/a_1.png", "x");
        dir.Write("fake/b_1.png", "");

        DataSet data = DataSetLoader.Load(dir.Path);

        UnreadableItem entry = Assert.Single(data.Unreadable);
        Assert.Equal(Path.Combine("fake", "b_1.png"), entry.Path);
        Assert.Equal("empty file", entry.Reason);
        Assert.Single(data.Items);
    }

    [Fact]
    public void Load_MissingPath_ThrowsWithClearMessage()
    {
        var ex = Assert.Throws<DataSetException>(() => DataSetLoader.Load("/no/such/detector-data"));

        Assert.Contains("not found", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FolderWithoutRealOrFake_Throws()
    {
        using var dir = new TempFolder();
        dir.Write("images/a.png", "x");

        var ex = Assert.Throws<DataSetException>(() => DataSetLoader.Load(dir.Path));

        Assert.Contains("real/", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FolderWithNoImages_Throws()
    {
        using var dir = new TempFolder();
        dir.Write("real/readme.txt", "x");
        Directory.CreateDirectory(dir.PathOf("fake"));

        var ex = Assert.Throws<DataSetException>(() => DataSetLoader.Load(dir.Path));

        Assert.Contains("no readable image", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Csv_ResolvesRelativePathsAndParsesLabelsAndGroups()
    {
        using var dir = new TempFolder();
        dir.Write("img/a.png", "x");
        dir.Write("img/b,c.png", "x");
        dir.Write("img/d.png", "x");
        string csv = dir.Write("set.csv", "path,label,group\nimg/a.png,real,cams\n\"img/b,c.png\",FAKE,gen\nimg/d.png,1\n");

        DataSet data = DataSetLoader.Load(csv);

        Assert.Equal(DataSetKind.Csv, data.Kind);
        Assert.Equal(3, data.Items.Count);
        Assert.Equal(new DataSetItem(dir.PathOf("img/a.png"), "img/a.png", false, "cams"), data.Items[0]);
        Assert.Equal(new DataSetItem(dir.PathOf("img/b,c.png"), "img/b,c.png", true, "gen"), data.Items[1]);
        Assert.Equal(new DataSetItem(dir.PathOf("img/d.png"), "img/d.png", true, DataSetLoader.NoGroup), data.Items[2]);
        Assert.Empty(data.Unreadable);
    }

    [Fact]
    public void Load_CsvWithMissingFileAndBadLabel_ListsBothAsUnreadable()
    {
        using var dir = new TempFolder();
        dir.Write("a.png", "x");
        string csv = dir.Write("set.csv", "a.png,0\ngone.png,fake\na.png,maybe\n");

        DataSet data = DataSetLoader.Load(csv);

        Assert.Single(data.Items);
        Assert.Equal(2, data.Unreadable.Count);
        Assert.Contains(data.Unreadable, static u => u.Path == "gone.png" && u.Reason == "file not found");
        Assert.Contains(data.Unreadable, static u => u.Path == "set.csv line 3" && u.Reason.Contains("maybe", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_CsvWithNoUsableRow_Throws()
    {
        using var dir = new TempFolder();
        string csv = dir.Write("set.csv", "path,label\ngone.png,real\n");

        var ex = Assert.Throws<DataSetException>(() => DataSetLoader.Load(csv));

        Assert.Contains("gone.png", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cnndet_108_san.png", "cnndet")]
    [InlineData("declan_B1.jpg", "declan")]
    [InlineData("plain.png", "")]
    [InlineData("_leading.png", "")]
    public void GroupFromFileName_Prefix_IsTextBeforeFirstUnderscore(string name, string expected)
    {
        Assert.Equal(expected, DataSetLoader.GroupFromFileName(name));
    }

    [Theory]
    [InlineData("real", false)]
    [InlineData(" Fake ", true)]
    [InlineData("0", false)]
    [InlineData("1", true)]
    public void TryParseLabel_KnownLabel_Parses(string text, bool expected)
    {
        Assert.True(DataSetLoader.TryParseLabel(text, out bool isFake));
        Assert.Equal(expected, isFake);
    }
}
