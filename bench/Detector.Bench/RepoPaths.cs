namespace Detector.Bench;

/// <summary>Where the repository and the shared folder are, for the defaults of a run from a checkout.</summary>
internal static class RepoPaths
{
    /// <summary>The folder holding Detector.sln, searched upwards from the working directory then from the bench binary; null outside a checkout.</summary>
    public static string? FindRepoRoot()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Detector.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    /// <summary>$DETECTOR_SHARED, else a "shared" folder beside or inside the checkout.</summary>
    public static string? FindShared(string? repoRoot)
    {
        if (Environment.GetEnvironmentVariable("DETECTOR_SHARED") is { Length: > 0 } fromEnv)
        {
            return fromEnv;
        }

        if (repoRoot is null)
        {
            return null;
        }

        foreach (string candidate in new[] { Path.Combine(repoRoot, "..", "shared"), Path.Combine(repoRoot, "shared") })
        {
            if (Directory.Exists(Path.Combine(candidate, "models")))
            {
                return Path.GetFullPath(candidate);
            }
        }

        return null;
    }
}
