namespace Detector.Cli.Scoring;

/// <summary>What became of one path on the command line, or of one entry found under a folder.</summary>
internal enum InputKind
{
    /// <summary>A file to read and score.</summary>
    File,

    /// <summary>Cannot be scored (missing, unreadable folder, empty): reported, and the run exits 1.</summary>
    Problem,

    /// <summary>Deliberately left out (a link to a folder inside a folder): reported, not a failure.</summary>
    Skipped,
}

/// <summary>One input of <c>detector score</c>.</summary>
/// <param name="Kind">What to do with it.</param>
/// <param name="Path">The path as the user reads it: as typed, or the folder as typed joined with the path under it.</param>
/// <param name="Id">The image id sent to the server (and echoed in <c>--json</c>): the file name, or the path under the folder.</param>
/// <param name="Message">Why it is a problem or skipped; null for files.</param>
internal sealed record InputEntry(InputKind Kind, string Path, string Id, string? Message = null);

/// <summary>
/// Expands the paths given to <c>detector score</c>: a file stands for itself; a folder for every file under it, recursively,
/// in ordinal order of the full path, whatever its extension (seized files often have wrong ones). Folders are listed one at
/// a time as the walk reaches them, so a large tree is never held in memory, and scoring starts at once.
/// </summary>
internal static class InputFiles
{
    /// <summary>The server refuses longer ids (Api:MaxIdLength, 256 by default); the tail of a long path is the telling part.</summary>
    internal const int MaxIdLength = 255;

    /// <summary>
    /// Largest file sent: the service's default message limit (Api:MaxMessageBytes, 64 MiB). A seized folder can hold videos
    /// and disk images of gigabytes: they are refused from their size rather than read into memory for the service to refuse.
    /// </summary>
    internal const long MaxFileBytes = 64L * 1024 * 1024;

    // Hidden files are files too; an unreadable folder is reported rather than silently skipped.
    private static readonly EnumerationOptions ListOneFolder = new()
    {
        RecurseSubdirectories = false,
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        ReturnSpecialDirectories = false,
    };

    public static IEnumerable<InputEntry> Expand(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                bool any = false;
                foreach (InputEntry entry in Walk(path, ""))
                {
                    any |= entry.Kind != InputKind.Skipped;
                    yield return entry;
                }

                if (!any)
                {
                    yield return new InputEntry(InputKind.Problem, path, "", "no files in this folder");
                }
            }
            else if (File.Exists(path))
            {
                // Read as given, even when it is not a regular file: `score /dev/stdin` is a deliberate choice (its size is 0).
                yield return TooLarge(path, SizeOrZero(path)) ?? new InputEntry(InputKind.File, path, System.IO.Path.GetFileName(path));
            }
            else
            {
                yield return new InputEntry(InputKind.Problem, path, "", "no such file or folder");
            }
        }
    }

    /// <summary>
    /// The files under <paramref name="root"/>/<paramref name="relative"/>. Siblings are sorted by name with '/' after folder
    /// names, and folders are walked where they sort, so the whole sequence is in ordinal order of the full path.
    /// </summary>
    private static IEnumerable<InputEntry> Walk(string root, string relative)
    {
        string folder = relative.Length == 0 ? root : System.IO.Path.Join(root, relative);
        List<(string Key, FileSystemInfo Info)>? entries = null;
        string? error = null;
        try
        {
            entries = new DirectoryInfo(folder).EnumerateFileSystemInfos("*", ListOneFolder)
                .Select(static e => (Key: e is DirectoryInfo ? e.Name + "/" : e.Name, Info: e))
                .OrderBy(static e => e.Key, StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read folder: {ex.Message}";
        }

        if (entries is null)
        {
            yield return new InputEntry(InputKind.Problem, folder, "", error);
            yield break;
        }

        foreach ((_, FileSystemInfo info) in entries)
        {
            string under = relative.Length == 0 ? info.Name : relative + "/" + info.Name;
            string path = System.IO.Path.Join(root, under);
            if (info is DirectoryInfo directory)
            {
                if (directory.LinkTarget is not null)
                {
                    // A link can lead back up the tree; a link given on the command line is followed.
                    yield return new InputEntry(InputKind.Skipped, path, "", "skipped: link to a folder, not followed (pass it on the command line to score it)");
                    continue;
                }

                foreach (InputEntry entry in Walk(root, under))
                {
                    yield return entry;
                }

                continue;
            }

            yield return FileEntry((FileInfo)info, path, under);
        }
    }

    /// <summary>
    /// A file found in a folder. One whose size is 0 is not opened: it is empty, or not a regular file (a pipe would block the
    /// read forever, a device never end it), and .NET cannot tell these apart.
    /// </summary>
    private static InputEntry FileEntry(FileInfo file, string path, string under)
    {
        long size;
        try
        {
            FileSystemInfo target = file.LinkTarget is null ? file : file.ResolveLinkTarget(returnFinalTarget: true) ?? file;
            if (!target.Exists)
            {
                return new InputEntry(InputKind.Problem, path, "", "cannot read: broken link");
            }

            size = target is FileInfo f ? f.Length : 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new InputEntry(InputKind.Problem, path, "", $"cannot read: {ex.Message}");
        }

        return size == 0
            ? new InputEntry(InputKind.Problem, path, "", "not scored: empty (0 bytes), or not a regular file")
            : TooLarge(path, size) ?? new InputEntry(InputKind.File, path, under.Length <= MaxIdLength ? under : "…" + under[^(MaxIdLength - 1)..]);
    }

    /// <summary>The file's size; 0 when it cannot be read now, so that reading it reports why.</summary>
    private static long SizeOrZero(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static InputEntry? TooLarge(string path, long size) => size > MaxFileBytes
        ? new InputEntry(InputKind.Problem, path, "", string.Format(System.Globalization.CultureInfo.InvariantCulture, "not scored: {0} bytes, over the {1} bytes a request to the service can carry (Api:MaxMessageBytes' default)", size, MaxFileBytes))
        : null;
}
