using System.Text.Json;

namespace Detector.Evaluation.Reporting;

/// <summary>Reads and writes <c>report.json</c>. Undefined metrics are written as null, so every field is always present.</summary>
public static class ReportJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        IndentSize = 2,
    };

    public static string Serialize(EvaluationReport report) => JsonSerializer.Serialize(report, Options);

    public static EvaluationReport? Deserialize(string json) => JsonSerializer.Deserialize<EvaluationReport>(json, Options);
}
