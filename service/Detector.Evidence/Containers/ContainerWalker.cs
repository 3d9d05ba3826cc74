using Detector.Evidence.Internal;

namespace Detector.Evidence.Containers;

/// <summary>Sniffs the container and walks it with the matching walker; other formats get an empty scan.</summary>
internal static class ContainerWalker
{
    public static ContainerScan Walk(ReadOnlySpan<byte> data, int maxChunks, WorkBudget budget)
    {
        ContainerFormat format = ContainerSniffer.Sniff(data);
        return format switch
        {
            ContainerFormat.Jpeg => JpegWalker.Walk(data, maxChunks, budget),
            ContainerFormat.Png => PngWalker.Walk(data, maxChunks, budget),
            ContainerFormat.WebP or ContainerFormat.Riff => RiffWalker.Walk(data, maxChunks, budget),
            _ => new ContainerScan(format),
        };
    }
}
