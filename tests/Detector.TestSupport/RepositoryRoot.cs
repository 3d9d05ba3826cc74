namespace Detector.TestSupport;

/// <summary>The repository checkout the tests run from: the folder holding Detector.sln, above the test binaries.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string?> Root = new(Find);

    /// <summary>The repository root, or null when the binaries do not sit inside a checkout.</summary>
    public static string? PathOrNull => Root.Value;

    /// <summary>Full path of a file or folder of the repository.</summary>
    public static string PathOf(string relative) =>
        Path.Combine(Root.Value ?? throw new InvalidOperationException($"no Detector.sln above {AppContext.BaseDirectory}"), relative);

    private static string? Find()
    {
        DirectoryInfo? dir = new(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Detector.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName;
    }
}
