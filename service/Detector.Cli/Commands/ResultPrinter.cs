using System.Globalization;
using Detector.Api.V1;
using Spectre.Console;

namespace Detector.Cli.Commands;

/// <summary>The readable form of one <see cref="ImageResult"/>.</summary>
internal static class ResultPrinter
{
    public static void Print(IAnsiConsole console, string name, ImageResult result)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        console.MarkupLine($"[bold]{Markup.Escape(name)}[/]");
        Verdict verdict = result.Verdict ?? new Verdict();
        string synthetic = verdict.SyntheticAssessed ? verdict.SyntheticLikelihood.ToString("0.000", inv) : "not assessed";
        string manipulation = verdict.ManipulationAssessed ? verdict.ManipulationLikelihood.ToString("0.000", inv) : "not assessed";
        console.MarkupLine(string.Format(inv, "  verdict: [bold]{0}[/] (synthetic {1}, manipulation {2})", Markup.Escape(verdict.Label), synthetic, manipulation));
        foreach (string reason in verdict.Reasons)
        {
            console.MarkupLine($"    - {Markup.Escape(reason)}");
        }

        if (result.Info is { } info)
        {
            string bits = info.BitsPerPixel > 0 ? string.Format(inv, " {0} bpp", info.BitsPerPixel) : "";
            console.MarkupLine(Markup.Escape(string.Format(inv, "  image: {0} {1}x{2}, {3:N0} bytes, {4}{5}, {6}, sha256 {7}", info.Format, info.Width, info.Height, info.SizeBytes, info.ColorModel, bits, Orientation(info.ExifOrientation), info.Sha256)));
        }

        if (result.Scores.Count > 0)
        {
            var table = new Table().Border(TableBorder.Simple)
                .AddColumn("model").AddColumn("version").AddColumn("task")
                .AddColumn(new TableColumn("score").RightAligned())
                .AddColumn(new TableColumn("threshold").RightAligned())
                .AddColumn("positive");
            foreach (ModelScore score in result.Scores)
            {
                table.AddRow(
                    Markup.Escape(score.Model),
                    Markup.Escape(score.Version),
                    Markup.Escape(score.Task),
                    score.Score.ToString("0.0000", inv),
                    score.Threshold.ToString("0.0000", inv),
                    score.Positive ? "[bold]yes[/]" : "no");
            }

            console.Write(table);
        }

        foreach (Evidence evidence in result.Evidence)
        {
            string where = Where(evidence.Location);
            console.MarkupLine($"  evidence [{StrengthColour(evidence.Strength)}]{Markup.Escape(StrengthName(evidence.Strength))}[/]: {Markup.Escape(evidence.Summary)}{(where.Length > 0 ? $" [grey]({Markup.Escape(where)})[/]" : "")}");
        }

        if (result.Timings is { } t)
        {
            console.MarkupLine(string.Format(inv, "  timings: worker wait {6:0.0} ms, decode {0:0.0} ms, preprocess {1:0.0} ms, queue {2:0.0} ms, inference {3:0.0} ms, evidence {4:0.0} ms, total {5:0.0} ms", t.DecodeSeconds * 1000, t.PreprocessSeconds * 1000, t.QueueSeconds * 1000, t.InferenceSeconds * 1000, t.EvidenceSeconds * 1000, t.TotalSeconds * 1000, t.WorkerWaitSeconds * 1000));
        }

        console.WriteLine();
    }

    /// <summary>
    /// Where a finding is, as <c>jpeg APP11 @ 2</c>; the parts the service left empty are left out, and no location at all is
    /// an empty string (the caller then prints no parentheses).
    /// </summary>
    internal static string Where(EvidenceLocation? location) => location is null ? "" : string.Join(' ', new[]
    {
        location.Container,
        location.Segment,
        location.HasOffset ? string.Format(CultureInfo.InvariantCulture, "@ {0}", location.Offset) : "",
    }.Where(static p => p.Length > 0));

    /// <summary>
    /// The EXIF orientation tag and how a viewer shows the image (the tag's meaning, as exiftool words it). The service scores
    /// the pixels as stored, so a rotated tag means the investigator and the model saw different orientations.
    /// </summary>
    internal static string Orientation(int tag) => tag switch
    {
        0 => "no EXIF orientation",
        1 => "EXIF orientation 1 (upright)",
        >= 2 and <= 8 => string.Format(CultureInfo.InvariantCulture, "EXIF orientation {0} (viewers {1}; scored as stored)", tag, tag switch
        {
            2 => "mirror it horizontally",
            3 => "rotate it 180°",
            4 => "mirror it vertically",
            5 => "mirror it horizontally and rotate it 270° CW",
            6 => "rotate it 90° CW",
            7 => "mirror it horizontally and rotate it 90° CW",
            _ => "rotate it 270° CW",
        }),
        _ => string.Format(CultureInfo.InvariantCulture, "EXIF orientation {0} (not a valid value)", tag),
    };

    private static string StrengthName(EvidenceStrength strength) => strength switch
    {
        EvidenceStrength.ProofOfAiGeneration => "proof of AI generation",
        EvidenceStrength.ProofOfAiEditing => "proof of AI editing",
        EvidenceStrength.SupportingHint => "hint",
        EvidenceStrength.Malformed => "malformed",
        _ => "fact",
    };

    private static string StrengthColour(EvidenceStrength strength) => strength switch
    {
        EvidenceStrength.ProofOfAiGeneration or EvidenceStrength.ProofOfAiEditing => "bold red",
        EvidenceStrength.SupportingHint => "yellow",
        EvidenceStrength.Malformed => "orange1",
        _ => "grey",
    };
}
