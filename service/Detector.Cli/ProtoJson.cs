using Google.Protobuf;

namespace Detector.Cli;

/// <summary>What <c>--json</c> prints: a protobuf message in the proto3 JSON mapping, on one line.</summary>
internal static class ProtoJson
{
    // Every field, defaults included, so scripts can rely on the shape.
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static string Format(IMessage message) => Formatter.Format(message);
}
