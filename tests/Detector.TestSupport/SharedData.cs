namespace Detector.TestSupport;

/// <summary>
/// Locates the read-only ../shared folder (models, conformance references, labelled data) that sits
/// beside the repository. Tests that need it use <see cref="SharedDataFactAttribute"/> or <see cref="SharedDataTheoryAttribute"/> and are skipped with a clear
/// message when it is absent; in CI it is present, so they run there.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string?> Root = new(FindRoot);

    /// <summary>The shared folder, or null when it is not beside the repository.</summary>
    public static string? RootOrNull => Root.Value;

    public static bool IsAvailable => Root.Value is not null;

    /// <summary>Message used when skipping because ../shared is missing.</summary>
    public const string MissingMessage = "../shared (models, conformance references, data) is not beside the repository; set DETECTOR_SHARED to its path to run this test.";

    /// <summary>Full path of a file or folder inside shared/.</summary>
    public static string PathOf(string relative)
    {
        string root = Root.Value ?? throw new InvalidOperationException(MissingMessage);
        return Path.Combine(root, relative);
    }

    private static string? FindRoot()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("DETECTOR_SHARED");
        if (!string.IsNullOrEmpty(fromEnv) && Directory.Exists(fromEnv))
        {
            return Path.GetFullPath(fromEnv);
        }

        // shared/ is the sibling of the repository root (the folder holding Detector.sln).
        if (RepositoryRoot.PathOrNull is { } repository)
        {
            string candidate = Path.Combine(Path.GetDirectoryName(repository) ?? repository, "shared");
            return Directory.Exists(Path.Combine(candidate, "models")) ? candidate : null;
        }

        return null;
    }
}
