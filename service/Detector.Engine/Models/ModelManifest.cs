using Detector.Imaging.Preprocessing;

namespace Detector.Engine.Models;

/// <summary>How to read a model's output.</summary>
/// <param name="Name">ONNX output name.</param>
/// <param name="Kind">Score rule.</param>
/// <param name="PositiveIndex">Element of the positive class for softmax outputs.</param>
/// <param name="Meaning">Human text for ListModels.</param>
public sealed record OutputSpec(string Name, OutputKind Kind, int PositiveIndex, string Meaning);

/// <summary>A validated model manifest (see docs/manifest.md).</summary>
public sealed record ModelManifest
{
    public required string Name { get; init; }

    public required string Version { get; init; }

    public required ModelTask Task { get; init; }

    public string Description { get; init; } = "";

    /// <summary>
    /// What a positive score of this model does not establish, in one short line (e.g. "weak baseline: never sufficient
    /// alone"); empty when the manifest gives none. Shown in the verdict's label and reasons whenever this model's
    /// positive score is cited, so that the label an investigator reads first carries it.
    /// </summary>
    public string Caution { get; init; } = "";

    /// <summary>Absolute path of the ONNX file.</summary>
    public required string ModelPath { get; init; }

    /// <summary>Absolute path of the manifest itself (for messages and for writing thresholds).</summary>
    public required string ManifestPath { get; init; }

    /// <summary>Expected SHA-256 from the manifest, when declared.</summary>
    public string? DeclaredSha256 { get; init; }

    public bool IsDefault { get; init; } = true;

    public float Threshold { get; init; } = 0.5f;

    public int MaxBatchSize { get; init; } = 16;

    public required string InputName { get; init; }

    public required PreprocessRecipe Recipe { get; init; }

    public required OutputSpec Output { get; init; }
}
