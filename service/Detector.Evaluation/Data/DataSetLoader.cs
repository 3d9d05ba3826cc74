using System.Text;

namespace Detector.Evaluation.Data;

/// <summary>Loads a labelled data set from a folder (<c>real/</c>, <c>fake/</c>) or a CSV file (<c>path,label[,group]</c>).</summary>
public static class DataSetLoader
{
    /// <summary>Extensions scored in folder mode (the formats the service decodes); other files are ignored.</summary>
    public static readonly IReadOnlySet<string> ImageExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff",
    };

    /// <summary>Name used in reports for items without a group.</summary>
    public const string NoGroup = "";

    /// <summary>Loads a folder or a CSV file, chosen by what <paramref name="path"/> is.</summary>
    /// <exception cref="DataSetException">The path is missing, has no real/ or fake/ folder, or holds no usable item.</exception>
    public static DataSet Load(string path, GroupBy groupBy = GroupBy.Prefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return LoadFolder(full, groupBy);
        }

        if (File.Exists(full))
        {
            return LoadCsv(full, groupBy);
        }

        throw new DataSetException($"Data set not found: '{path}' is neither a folder nor a CSV file.");
    }

    /// <summary>Loads a folder whose <c>real/</c> and <c>fake/</c> subfolders (any case, searched recursively) hold the images.</summary>
    public static DataSet LoadFolder(string folder, GroupBy groupBy = GroupBy.Prefix)
    {
        string root = System.IO.Path.GetFullPath(folder);
        if (!Directory.Exists(root))
        {
            throw new DataSetException($"Data folder not found: '{folder}'.");
        }

        string? realDir = FindChild(root, "real");
        string? fakeDir = FindChild(root, "fake");
        if (realDir is null && fakeDir is null)
        {
            throw new DataSetException($"Data folder '{folder}' has neither a real/ nor a fake/ subfolder. Put real photos in real/ and AI-generated images in fake/, or pass a CSV file (path,label[,group]).");
        }

        var items = new List<DataSetItem>();
        var unreadable = new List<UnreadableItem>();
        AddFolder(root, realDir, isFake: false, groupBy, items, unreadable);
        AddFolder(root, fakeDir, isFake: true, groupBy, items, unreadable);
        if (items.Count == 0)
        {
            throw new DataSetException($"Data folder '{folder}' holds no readable image ({string.Join(", ", ImageExtensions.Order(StringComparer.Ordinal))}) under real/ or fake/.");
        }

        return new DataSet(root, DataSetKind.Folder, groupBy, items, unreadable);
    }

    /// <summary>
    /// Loads a CSV of <c>path,label[,group]</c> rows. Paths are relative to the CSV's folder; labels are real/fake or 0/1;
    /// an optional header row is recognised by its label column reading "label". Bad rows and missing files are listed as unreadable.
    /// </summary>
    public static DataSet LoadCsv(string csvPath, GroupBy groupBy = GroupBy.Prefix)
    {
        string full = System.IO.Path.GetFullPath(csvPath);
        if (!File.Exists(full))
        {
            throw new DataSetException($"Data CSV not found: '{csvPath}'.");
        }

        string baseDir = System.IO.Path.GetDirectoryName(full)!;
        var items = new List<DataSetItem>();
        var unreadable = new List<UnreadableItem>();
        string[] lines = File.ReadAllLines(full, Encoding.UTF8);
        bool seenFirstRow = false;
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n];
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            string where = $"{System.IO.Path.GetFileName(full)} line {n + 1}";
            List<string> fields = SplitCsvLine(line);
            bool isFirstRow = !seenFirstRow;
            seenFirstRow = true;
            if (fields.Count < 2)
            {
                unreadable.Add(new UnreadableItem(where, "expected path,label[,group]"));
                continue;
            }

            string relative = fields[0].Trim();
            string labelText = fields[1].Trim();
            if (!TryParseLabel(labelText, out bool isFake))
            {
                // A header row is the only first row whose label column is not a label.
                if (!(isFirstRow && labelText.Equals("label", StringComparison.OrdinalIgnoreCase)))
                {
                    unreadable.Add(new UnreadableItem(where, $"label '{labelText}' is not real, fake, 0 or 1"));
                }

                continue;
            }

            if (relative.Length == 0)
            {
                unreadable.Add(new UnreadableItem(where, "empty path"));
                continue;
            }

            string filePath = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, relative));
            string group = groupBy == GroupBy.None || fields.Count < 3 ? NoGroup : fields[2].Trim();
            string? problem = CheckFile(filePath);
            if (problem is not null)
            {
                unreadable.Add(new UnreadableItem(relative, problem));
                continue;
            }

            items.Add(new DataSetItem(filePath, relative, isFake, group));
        }

        if (items.Count == 0)
        {
            string detail = unreadable.Count == 0 ? "no rows" : $"{unreadable.Count} unusable rows, first: {unreadable[0].Path}: {unreadable[0].Reason}";
            throw new DataSetException($"Data CSV '{csvPath}' lists no readable image ({detail}).");
        }

        return new DataSet(full, DataSetKind.Csv, groupBy, items, unreadable);
    }

    /// <summary>Parses real/fake or 0/1 (case-insensitive); fake and 1 are the positive class.</summary>
    public static bool TryParseLabel(string text, out bool isFake)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "fake":
            case "1":
                isFake = true;
                return true;
            case "real":
            case "0":
                isFake = false;
                return true;
            default:
                isFake = false;
                return false;
        }
    }

    /// <summary>The group of a file in folder mode: its name's prefix before the first '_', or no group when the name has none.</summary>
    public static string GroupFromFileName(string fileName)
    {
        string name = System.IO.Path.GetFileName(fileName);
        int underscore = name.IndexOf('_', StringComparison.Ordinal);
        return underscore > 0 ? name[..underscore] : NoGroup;
    }

    /// <summary>Splits one CSV line; fields may be double-quoted (with "" for a quote) so that paths can hold commas.</summary>
    internal static List<string> SplitCsvLine(string line)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString());
        return fields;
    }

    private static void AddFolder(string root, string? dir, bool isFake, GroupBy groupBy, List<DataSetItem> items, List<UnreadableItem> unreadable)
    {
        if (dir is null)
        {
            return;
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.None };
        string[] files;
        try
        {
            files = Directory.GetFiles(dir, "*", options);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            unreadable.Add(new UnreadableItem(System.IO.Path.GetRelativePath(root, dir), $"folder cannot be listed: {ex.Message}"));
            return;
        }

        // Sorted so that reports and bootstrap resamples do not depend on the file system's order.
        Array.Sort(files, StringComparer.Ordinal);
        foreach (string file in files)
        {
            if (!ImageExtensions.Contains(System.IO.Path.GetExtension(file)))
            {
                continue;
            }

            string display = System.IO.Path.GetRelativePath(root, file);
            string? problem = CheckFile(file);
            if (problem is not null)
            {
                unreadable.Add(new UnreadableItem(display, problem));
                continue;
            }

            string group = groupBy == GroupBy.None ? NoGroup : GroupFromFileName(file);
            items.Add(new DataSetItem(file, display, isFake, group));
        }
    }

    private static string? CheckFile(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return "file not found";
            }

            return info.Length == 0 ? "empty file" : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }

    private static string? FindChild(string root, string name)
    {
        string exact = System.IO.Path.Combine(root, name);
        if (Directory.Exists(exact))
        {
            return exact;
        }

        return Directory.EnumerateDirectories(root)
            .Where(d => string.Equals(System.IO.Path.GetFileName(d), name, StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
    }
}
