using Detector.Engine.Scoring;

namespace Detector.Server.Api;

/// <summary>Limits of the gRPC API layer.</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>
    /// Largest gRPC message accepted, in bytes; Kestrel's request body limit follows it. Default 64 MiB. Must exceed
    /// Imaging:MaxBytes (one image, 32 MiB) by 64 KiB, so that every image within the image limit can arrive.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Most images in one ScoreBatch call. Default 256; larger jobs belong on ScoreStream.</summary>
    public int MaxBatchImages { get; set; } = 256;

    /// <summary>
    /// Images of one ScoreStream being scored at once. When reached, the server stops reading the stream,
    /// so HTTP/2 flow control pushes back on the client instead of server memory growing. Default 32.
    /// </summary>
    public int MaxInFlightPerStream { get; set; } = 32;

    /// <summary>Longest model name a request may carry (names are echoed in NOT_FOUND statuses).</summary>
    public const int MaxModelNameLength = 128;

    /// <summary>Most model names in one request's options. Default 16.</summary>
    public int MaxModelsPerRequest { get; set; } = 16;

    /// <summary>Longest accepted image id, in characters. Default 256.</summary>
    public int MaxIdLength { get; set; } = 256;

    /// <summary>
    /// Evidence level of requests that leave it unspecified: Full (default), Metadata or None. Metadata suits bulk
    /// deployments that cannot spare the pixel checks' CPU; a request can always ask for another level.
    /// </summary>
    public EvidenceScope DefaultEvidence { get; set; } = EvidenceScope.Full;

    /// <summary>
    /// Evidence level of ScoreBatch and ScoreStream requests that leave it unspecified; unset = <see cref="DefaultEvidence"/>.
    /// Metadata here keeps the full layer for investigators' single images (Score) while bulk triage skips the pixel
    /// checks (PDQ, watermark), which cost 6–8 % of throughput at saturation on 2 cores.
    /// </summary>
    public EvidenceScope? DefaultBulkEvidence { get; set; }
}
