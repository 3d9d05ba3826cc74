using Detector.Cli.Scoring;

namespace Detector.Evaluation.Tests.Cli;

public class InputFilesTests
{
    [Fact]
    public void Expand_Folder_EveryFileRecursivelyInOrdinalPathOrderWhateverTheExtension()
    {
        using var dir = new TempFolder();
        string[] relative = ["b.png", "a.txt", "a/z.jpg", "a/y/x", "a0.png", "A.png", ".hidden", "noext", "sub/deep/er/1.JPG"];
        foreach (string r in relative)
        {
            dir.Write(r, "0.5");
        }

        List<InputEntry> entries = InputFiles.Expand([dir.Path]).ToList();

        string[] expected = relative.Select(r => Path.Join(dir.Path, r)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, entries.Select(static e => e.Path));
        Assert.All(entries, static e => Assert.Equal(InputKind.File, e.Kind));
        Assert.Contains(entries, static e => e.Id == "sub/deep/er/1.JPG");
    }

    [Fact]
    public void Expand_FilesAndFolders_KeepCommandLineOrderAndThePathAsTyped()
    {
        using var dir = new TempFolder();
        string file = dir.Write("z.png", "0.5");
        dir.Write("folder/b.png", "0.5");
        dir.Write("folder/a.png", "0.5");
        string folder = dir.PathOf("folder") + Path.DirectorySeparatorChar;

        List<InputEntry> entries = InputFiles.Expand([file, folder]).ToList();

        Assert.Equal([file, folder + "a.png", folder + "b.png"], entries.Select(static e => e.Path));
        Assert.Equal(["z.png", "a.png", "b.png"], entries.Select(static e => e.Id));
    }

    [Fact]
    public void Expand_FileOverTheMessageLimit_GivenOrFoundInAFolder_IsAProblemFromItsSize()
    {
        using var dir = new TempFolder();
        string given = dir.Write("given.mp4", "");
        string found = dir.Write("case/found.mp4", "");
        foreach (string path in new[] { given, found })
        {
            using FileStream stream = File.OpenWrite(path);
            stream.SetLength(InputFiles.MaxFileBytes + 1); // sparse: nothing of it is written
        }

        List<InputEntry> entries = InputFiles.Expand([given, dir.PathOf("case")]).ToList();

        Assert.Equal([given, found], entries.Select(static e => e.Path));
        Assert.All(entries, static e => Assert.Equal(InputKind.Problem, e.Kind));
        Assert.All(entries, static e => Assert.StartsWith($"not scored: {InputFiles.MaxFileBytes + 1} bytes, over the {InputFiles.MaxFileBytes} bytes", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Expand_ZeroByteEntries_ReportedWithoutBeingOpened()
    {
        using var dir = new TempFolder();
        dir.Write("empty.png", "");
        dir.Write("ok.png", "0.5");
        // A link to a device: opening /dev/zero and reading to the end would never finish.
        File.CreateSymbolicLink(dir.PathOf("zero.png"), "/dev/zero");

        List<InputEntry> entries = InputFiles.Expand([dir.Path]).ToList();

        Assert.Equal([InputKind.Problem, InputKind.File, InputKind.Problem], entries.Select(static e => e.Kind));
        Assert.All(entries.Where(static e => e.Kind == InputKind.Problem), static e => Assert.Equal("not scored: empty (0 bytes), or not a regular file", e.Message));
    }

    [Fact]
    public void Expand_LinkToAFileInsideAFolder_IsFollowed()
    {
        using var dir = new TempFolder();
        string target = dir.Write("elsewhere/photo.jpg", "0.5");
        Directory.CreateDirectory(dir.PathOf("case"));
        File.CreateSymbolicLink(dir.PathOf("case/link.jpg"), target);

        InputEntry entry = Assert.Single(InputFiles.Expand([dir.PathOf("case")]));

        Assert.Equal(InputKind.File, entry.Kind);
        Assert.Equal(dir.PathOf("case/link.jpg"), entry.Path);
    }

    [Fact]
    public void Expand_LinkToAFolderInsideAFolder_SkippedNotFollowed()
    {
        using var dir = new TempFolder();
        dir.Write("case/a.png", "0.5");
        Directory.CreateSymbolicLink(dir.PathOf("case/loop"), dir.PathOf("case"));

        List<InputEntry> entries = InputFiles.Expand([dir.PathOf("case")]).ToList();

        Assert.Equal([InputKind.File, InputKind.Skipped], entries.Select(static e => e.Kind));
        Assert.StartsWith("skipped: link to a folder", entries[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expand_EmptyFolderAndMissingPath_AreProblems()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.PathOf("empty/inner"));

        List<InputEntry> entries = InputFiles.Expand([dir.PathOf("empty"), dir.PathOf("missing.png")]).ToList();

        Assert.Equal([InputKind.Problem, InputKind.Problem], entries.Select(static e => e.Kind));
        Assert.Equal(["no files in this folder", "no such file or folder"], entries.Select(static e => e.Message));
    }

    [Fact]
    public void Expand_Folder_ListsEachFolderOnlyWhenTheWalkReachesIt()
    {
        using var dir = new TempFolder();
        dir.Write("a.png", "0.5");
        dir.Write("later/b.png", "0.5");
        dir.Write("gone/c.png", "0.5");
        using IEnumerator<InputEntry> walk = InputFiles.Expand([dir.Path]).GetEnumerator();

        Assert.True(walk.MoveNext());
        Assert.Equal(dir.PathOf("a.png"), walk.Current.Path);

        // Changes after the first file are seen: the tree was not listed up front.
        Directory.Delete(dir.PathOf("gone"), recursive: true);
        dir.Write("later/added.png", "0.5");
        var rest = new List<InputEntry>();
        while (walk.MoveNext())
        {
            rest.Add(walk.Current);
        }

        Assert.Equal(InputKind.Problem, rest[0].Kind);
        Assert.Equal(dir.PathOf("gone"), rest[0].Path);
        Assert.StartsWith("cannot read folder", rest[0].Message, StringComparison.Ordinal);
        Assert.Equal([dir.PathOf("later/added.png"), dir.PathOf("later/b.png")], rest.Skip(1).Select(static e => e.Path));
    }

    [Fact]
    public void Expand_PathUnderFolderLongerThanTheIdLimit_IdKeepsTheTail()
    {
        using var dir = new TempFolder();
        string deep = string.Join('/', Enumerable.Repeat(new string('d', 100), 3)) + "/photo.jpg";
        dir.Write(deep, "0.5");

        InputEntry entry = Assert.Single(InputFiles.Expand([dir.Path]));

        Assert.Equal(InputFiles.MaxIdLength, entry.Id.Length);
        Assert.EndsWith("/photo.jpg", entry.Id, StringComparison.Ordinal);
        Assert.StartsWith("…", entry.Id, StringComparison.Ordinal);
    }
}
