using System.Diagnostics;
using System.Reflection;

namespace Detector.Bench;

/// <summary>
/// The commits the bench and the server were built from, as the .NET SDK stamps them into each assembly's informational
/// version ("1.0.0+&lt;commit&gt;"), so a result file says which code it measured. Uncommitted changes are not visible there.
/// </summary>
internal static class BuildVersions
{
    public static string Describe(string? serverPath)
    {
        string bench = typeof(BuildVersions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        string server = serverPath is null ? "not started by the bench" : ServerVersion(serverPath);
        return $"bench {bench}; server {server} (informational versions: version+commit; uncommitted changes are not shown)";
    }

    private static string ServerVersion(string serverPath)
    {
        // An apphost has no version resource; the assembly beside it does.
        string assembly = serverPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? serverPath : serverPath + ".dll";
        return File.Exists(assembly) ? FileVersionInfo.GetVersionInfo(assembly).ProductVersion ?? "unknown" : "unknown (no " + Path.GetFileName(assembly) + ")";
    }
}
