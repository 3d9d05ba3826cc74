using Detector.Api.V1;
using Detector.Engine.Models;
using Detector.Engine.Scoring;
using Finding = Detector.Evidence.Model.Finding;
using FindingStrength = Detector.Evidence.Model.FindingStrength;
using FindingValue = Detector.Evidence.Model.FindingValue;
using Detector.Imaging.Preprocessing;
using Grpc.Core;

namespace Detector.Server.Api;

/// <summary>Engine results to protobuf messages, and nothing else.</summary>
internal static class ResultMapper
{
    public static ImageResult ToProto(ImageScore score)
    {
        ImageResult result = new()
        {
            Id = score.Id,
            Status = new ItemStatus { Code = (int)StatusCode.OK, Message = "" },
            Info = new ImageInfo
            {
                Sha256 = score.Facts.Sha256,
                Format = score.Facts.Format,
                Width = score.Facts.Width,
                Height = score.Facts.Height,
                SizeBytes = score.Facts.SizeBytes,
                ColorModel = score.Facts.ColorModel,
                BitsPerPixel = score.Facts.BitsPerPixel,
                ExifOrientation = score.Facts.ExifOrientation,
            },
            Verdict = new Verdict
            {
                SyntheticLikelihood = (float)(score.Verdict.SyntheticLikelihood ?? 0),
                ManipulationLikelihood = (float)(score.Verdict.ManipulationLikelihood ?? 0),
                SyntheticAssessed = score.Verdict.SyntheticLikelihood is not null,
                ManipulationAssessed = score.Verdict.ManipulationLikelihood is not null,
                Label = score.Verdict.Label,
            },
            Timings = new Timings
            {
                WorkerWaitSeconds = score.Timings.WorkerWait.TotalSeconds,
                DecodeSeconds = score.Timings.Decode.TotalSeconds,
                PreprocessSeconds = score.Timings.Preprocess.TotalSeconds,
                QueueSeconds = score.Timings.Queue.TotalSeconds,
                InferenceSeconds = score.Timings.Inference.TotalSeconds,
                TotalSeconds = score.Timings.Total.TotalSeconds,
                EvidenceSeconds = score.Timings.Evidence.TotalSeconds,
            },
        };
        result.Verdict.Reasons.AddRange(score.Verdict.Reasons.Select(r => r.Text));
        if (score.Evidence is not null)
        {
            foreach (Finding finding in score.Evidence.Findings.OrderBy(f => f.Strength))
            {
                result.Evidence.Add(ToProto(finding));
            }
        }
        foreach (ModelScoreResult s in score.Scores)
        {
            ModelScore ms = new()
            {
                Model = s.Model,
                Version = s.Version,
                Task = s.Task.ToWireName(),
                Score = s.Score,
                Threshold = s.Threshold,
                Positive = s.Positive,
                ModelSha256 = s.ModelSha256,
            };
            ms.Raw.AddRange(s.Raw);
            result.Scores.Add(ms);
        }

        return result;
    }

    private static Detector.Api.V1.Evidence ToProto(Finding finding)
    {
        Detector.Api.V1.Evidence evidence = new()
        {
            Kind = finding.Kind,
            Strength = finding.Strength switch
            {
                FindingStrength.ProofOfAiGeneration => EvidenceStrength.ProofOfAiGeneration,
                FindingStrength.ProofOfAiEditing => EvidenceStrength.ProofOfAiEditing,
                FindingStrength.SupportingHint => EvidenceStrength.SupportingHint,
                FindingStrength.NeutralFact => EvidenceStrength.NeutralFact,
                FindingStrength.Malformed => EvidenceStrength.Malformed,
                _ => EvidenceStrength.Unspecified,
            },
            Summary = finding.Summary,
            Location = new EvidenceLocation { Container = finding.Location.Container, Segment = finding.Location.Segment ?? "" },
        };
        if (finding.Location.Offset is { } offset)
        {
            evidence.Location.Offset = offset;
        }

        foreach (FindingValue value in finding.Values)
        {
            evidence.Values.Add(new EvidenceValue { Key = value.Key, Value = value.Value });
        }

        return evidence;
    }

    /// <summary>A result that carries only the id and the failure status (ScoreBatch, ScoreStream).</summary>
    public static ImageResult Failed(string id, Status status) => new()
    {
        Id = id,
        Status = new ItemStatus { Code = (int)status.StatusCode, Message = status.Detail },
    };

    public static ModelInfo ToProto(LoadedModel model)
    {
        ModelManifest m = model.Manifest;
        PreprocessRecipe r = m.Recipe;
        ModelInfo info = new()
        {
            Name = m.Name,
            Version = m.Version,
            Task = m.Task.ToWireName(),
            Threshold = m.Threshold,
            Sha256 = model.Definition.FileSha256,
            ExecutionProvider = model.ExecutionProvider,
            ProviderFallbackReason = model.ProviderFallbackReason ?? "",
            IsDefault = m.IsDefault,
            MaxBatchSize = model.Batching.MaxBatchSize,
            Description = m.Description,
            OutputMeaning = m.Output.Meaning,
            Caution = m.Caution,
            Input = new InputSpec
            {
                Name = m.InputName,
                Layout = ManifestParser.NameOf(ManifestParser.LayoutNames, r.Layout),
                ColorOrder = ManifestParser.NameOf(ManifestParser.ColorNames, r.ColorOrder),
                Width = r.Width,
                Height = r.Height,
                ResizeMode = ManifestParser.NameOf(ManifestParser.ResizeNames, r.ResizeMode),
                ResizeFilter = ManifestParser.NameOf(ManifestParser.FilterNames, r.Filter),
                Scale = $"{ManifestParser.NameOf(ManifestParser.ScaleNames, r.ScaleMode)} {r.ScaleValue}",
            },
        };
        if (r.Mean is not null)
        {
            info.Input.Mean.AddRange(r.Mean);
        }

        if (r.Std is not null)
        {
            info.Input.Std.AddRange(r.Std);
        }

        return info;
    }
}
