namespace Detector.Engine.Models;

/// <summary>A manifest or model file that cannot be used. The message names the file and the field.</summary>
public sealed class ManifestException : Exception
{
    public ManifestException(string file, string? field, string problem, Exception? inner = null)
        : base(field is null ? $"{file}: {problem}" : $"{file}: field '{field}': {problem}", inner)
    {
        File = file;
        Field = field;
    }

    public string File { get; }

    public string? Field { get; }
}
