namespace Detector.Engine.Models;

/// <summary>Where the model directories are.</summary>
public sealed class ModelRepositoryOptions
{
    public const string SectionName = "Models";

    /// <summary>
    /// Folder holding one sub-folder per model (manifest.json + .onnx). Default "models": looked up relative to the
    /// working directory first, then to the application folder (where the build copies the repository's models/).
    /// Set with --models PATH, the environment variable Models__Directory, or appsettings "Models:Directory".
    /// </summary>
    public string Directory { get; set; } = "models";

    /// <summary>Names to load; empty loads every model in the folder.</summary>
    public IList<string> Only { get; } = [];
}
