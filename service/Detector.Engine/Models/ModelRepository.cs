using System.Security.Cryptography;

namespace Detector.Engine.Models;

/// <summary>A loaded model's manifest with the identity of the file actually loaded.</summary>
/// <param name="Manifest">The validated manifest.</param>
/// <param name="FileSha256">Lower-case hex SHA-256 of the ONNX file as read at start-up.</param>
public sealed record ModelDefinition(ModelManifest Manifest, string FileSha256)
{
    public string Name => Manifest.Name;
}

/// <summary>
/// Reads every <c>*/manifest.json</c> under the model folder. Any broken manifest or model file throws a
/// <see cref="ManifestException"/> naming the file and the field, so that start-up stops instead of serving half a repository.
/// </summary>
public static class ModelRepository
{
    public const string ManifestFileName = "manifest.json";

    /// <summary>Resolves the configured folder (see <see cref="ModelRepositoryOptions.Directory"/>).</summary>
    public static string ResolveDirectory(string configured)
    {
        if (Path.IsPathRooted(configured))
        {
            return configured;
        }

        string fromWorkingDirectory = Path.GetFullPath(configured);
        if (Directory.Exists(fromWorkingDirectory))
        {
            return fromWorkingDirectory;
        }

        return Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, configured));
    }

    public static IReadOnlyList<ModelDefinition> Load(ModelRepositoryOptions options)
    {
        string directory = ResolveDirectory(options.Directory);
        if (!Directory.Exists(directory))
        {
            throw new ManifestException(directory, null, "model folder not found (set --models PATH or Models__Directory)");
        }

        List<string> manifests = Directory.EnumerateDirectories(directory)
            .Select(d => Path.Combine(d, ManifestFileName))
            .Where(File.Exists)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (manifests.Count == 0)
        {
            throw new ManifestException(directory, null, $"no model found: expected sub-folders holding {ManifestFileName}");
        }

        List<ModelDefinition> models = [];
        HashSet<string> names = new(StringComparer.Ordinal);
        foreach (string manifestPath in manifests)
        {
            ModelManifest manifest = ManifestParser.ParseFile(manifestPath);
            if (options.Only.Count > 0 && !options.Only.Contains(manifest.Name))
            {
                continue;
            }

            if (!names.Add(manifest.Name))
            {
                throw new ManifestException(manifestPath, "name", $"'{manifest.Name}' is used by another manifest in {directory}");
            }

            string sha = HashFile(manifest.ModelPath);
            if (manifest.DeclaredSha256 is not null && manifest.DeclaredSha256 != sha)
            {
                throw new ManifestException(manifestPath, "sha256", $"declares {manifest.DeclaredSha256} but {Path.GetFileName(manifest.ModelPath)} hashes to {sha}");
            }

            models.Add(new ModelDefinition(manifest, sha));
        }

        foreach (string wanted in options.Only)
        {
            if (!names.Contains(wanted))
            {
                throw new ManifestException(directory, "Models:Only", $"model '{wanted}' not found");
            }
        }

        if (!models.Any(m => m.Manifest.IsDefault))
        {
            throw new ManifestException(directory, "default", "no model is marked default: requests that name no model would score nothing");
        }

        return models;
    }

    private static string HashFile(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
