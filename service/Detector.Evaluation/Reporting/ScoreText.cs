using System.Globalization;

namespace Detector.Evaluation.Reporting;

/// <summary>Formats scores and thresholds for people and CSV files.</summary>
public static class ScoreText
{
    /// <summary>
    /// The shortest text that reads back to the same value. Scores arrive as float32, so a float-exact value is written as
    /// the float it is ("0.35") rather than as its double expansion ("0.3499999940395355").
    /// </summary>
    public static string Format(double value)
    {
        float asFloat = (float)value;
        return asFloat == value
            ? asFloat.ToString("R", CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);
    }
}
