using System.Buffers.Binary;
using Detector.Evidence.Containers;
using Detector.Evidence.Internal;
using Detector.Evidence.Model;
using Detector.Evidence.Tests.Builders;

namespace Detector.Evidence.Tests;

public class ContainerWalkerTests
{
    [Fact]
    public void JpegWalker_ValidFile_ListsSegmentsAndSkipsEntropyData()
    {
        byte[] jpeg = JpegBuilder.Simple(b => b.App(0, "JFIF\0\u0001\u0001"u8.ToArray()).App(13, "Photoshop 3.0\0"u8.ToArray()));

        ContainerScan scan = JpegWalker.Walk(jpeg, 1000, WorkBudget.Unlimited);

        Assert.Equal(["APP0", "APP13", "DQT", "SOF0", "SOS", "EOI"], scan.Chunks.Select(c => c.Type));
        Assert.Empty(scan.Issues);
        Assert.Equal(1, scan.SoiCount);
        Assert.Equal(1, scan.EoiCount);
        Assert.Equal(-1, scan.TrailingOffset);
    }

    [Fact]
    public void JpegWalker_SegmentLengthPastEnd_ReportsMalformedWithOffset()
    {
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xF0, 1, 2, 3];

        ContainerScan scan = JpegWalker.Walk(jpeg, 1000, WorkBudget.Unlimited);

        Finding issue = Assert.Single(scan.Issues);
        Assert.Equal(FindingStrength.Malformed, issue.Strength);
        Assert.Equal(2, issue.Location.Offset);
        Assert.Contains("past the end", issue.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void JpegWalker_TruncatedAfterMarker_ReportsTruncation()
    {
        ContainerScan scan = JpegWalker.Walk([0xFF, 0xD8, 0xFF, 0xDB], 1000, WorkBudget.Unlimited);

        Assert.Contains(scan.Issues, i => i.Summary.Contains("truncated", StringComparison.Ordinal));
    }

    [Fact]
    public void JpegWalker_SecondImageAppended_CountsSoiAndEoi()
    {
        byte[] first = JpegBuilder.Simple();
        byte[] jpeg = [.. first, .. JpegBuilder.Simple()];

        ContainerScan scan = JpegWalker.Walk(jpeg, 1000, WorkBudget.Unlimited);

        Assert.Equal(2, scan.SoiCount);
        Assert.Equal(2, scan.EoiCount);
    }

    [Fact]
    public void JpegWalker_GarbageAfterEoi_RecordsTrailingOffset()
    {
        byte[] first = JpegBuilder.Simple();
        byte[] jpeg = [.. first, 1, 2, 3, 4];

        ContainerScan scan = JpegWalker.Walk(jpeg, 1000, WorkBudget.Unlimited);

        Assert.Equal(first.Length, scan.TrailingOffset);
    }

    [Fact]
    public void JpegWalker_NoEoi_ReportsTruncatedFile()
    {
        byte[] jpeg = JpegBuilder.Simple();

        ContainerScan scan = JpegWalker.Walk(jpeg.AsSpan(0, jpeg.Length - 2), 1000, WorkBudget.Unlimited);

        Assert.Contains(scan.Issues, i => i.Summary.Contains("without an end-of-image", StringComparison.Ordinal));
    }

    [Fact]
    public void PngWalker_ValidFile_ReadsHeaderAndChunks()
    {
        byte[] png = PngBuilder.Small(b => b.Text("Software", "test"));

        ContainerScan scan = PngWalker.Walk(png, 1000, WorkBudget.Unlimited);

        Assert.Equal(["IHDR", "tEXt", "IDAT", "IEND"], scan.Chunks.Select(c => c.Type));
        Assert.Empty(scan.Issues);
        Assert.Equal(new PngHeader(2, 2, 8, 2, 0), scan.PngHeader);
    }

    [Fact]
    public void PngWalker_BadCrc_ReportsAndKeepsChunk()
    {
        byte[] png = PngBuilder.Small(b => b.Text("parameters", "x", badCrc: true));

        ContainerScan scan = PngWalker.Walk(png, 1000, WorkBudget.Unlimited);

        Finding issue = Assert.Single(scan.Issues);
        Assert.Contains("bad CRC", issue.Summary, StringComparison.Ordinal);
        Assert.Equal(33, issue.Location.Offset);
        Assert.False(scan.Chunks.Single(c => c.Type == "tEXt").CrcValid);
    }

    [Fact]
    public void PngWalker_GiantDeclaredLength_StopsWithMalformedFinding()
    {
        byte[] png = PngBuilder.Small(b => b.Text("a", "b"));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(33), 0x7FFFFFF0);

        ContainerScan scan = PngWalker.Walk(png, 1000, WorkBudget.Unlimited);

        Assert.Contains(scan.Issues, i => i.Strength == FindingStrength.Malformed && i.Location.Offset == 33 && i.Summary.Contains("past the end", StringComparison.Ordinal));
        Assert.True(scan.Incomplete);
    }

    [Fact]
    public void PngWalker_InvalidChunkType_Stops()
    {
        byte[] png = PngBuilder.Small(b => b.Chunk("t3Xt", [1]));

        ContainerScan scan = PngWalker.Walk(png, 1000, WorkBudget.Unlimited);

        Assert.Contains(scan.Issues, i => i.Summary.Contains("invalid type", StringComparison.Ordinal));
    }

    [Fact]
    public void PngWalker_TrailingBytes_RecordsOffset()
    {
        byte[] valid = PngBuilder.Small(_ => { });
        byte[] png = [.. valid, 9, 9, 9];

        ContainerScan scan = PngWalker.Walk(png, 1000, WorkBudget.Unlimited);

        Assert.Equal(valid.Length, scan.TrailingOffset);
    }

    [Fact]
    public void RiffWalker_WebP_ListsChunksWithPadding()
    {
        byte[] webp = RiffBuilder.WebP(("EXIF", [1, 2, 3]), ("XMP ", [4, 5]));

        ContainerScan scan = RiffWalker.Walk(webp, 1000, WorkBudget.Unlimited);

        Assert.Equal(ContainerFormat.WebP, scan.Format);
        Assert.Equal(["VP8X", "EXIF", "XMP ", "VP8L"], scan.Chunks.Select(c => c.Type));
        Assert.Empty(scan.Issues);
    }

    [Fact]
    public void RiffWalker_ChunkSizePastEnd_ReportsMalformed()
    {
        byte[] webp = RiffBuilder.WebP(("EXIF", [1, 2, 3, 4]));
        int exif = 12 + 8 + 10;
        BinaryPrimitives.WriteUInt32LittleEndian(webp.AsSpan(exif + 4), 0xFFFFFF00);

        ContainerScan scan = RiffWalker.Walk(webp, 1000, WorkBudget.Unlimited);

        Assert.Contains(scan.Issues, i => i.Location.Offset == exif && i.Summary.Contains("past the end", StringComparison.Ordinal));
    }

    [Fact]
    public void RiffWalker_RiffSizePastEnd_ReportsAndWalksWhatIsThere()
    {
        byte[] webp = new RiffBuilder().Chunk("VP8L", [1, 2]).Build(sizeAdjust: 1000);

        ContainerScan scan = RiffWalker.Walk(webp, 1000, WorkBudget.Unlimited);

        Assert.Contains(scan.Issues, i => i.Summary.Contains("RIFF header declares", StringComparison.Ordinal));
        Assert.Single(scan.Chunks);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, "JPEG")]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, "PNG")]
    [InlineData(new byte[] { (byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a' }, "GIF")]
    [InlineData(new byte[] { 1, 2, 3 }, "unknown")]
    public void Sniffer_MagicNumbers_Recognised(byte[] head, string expected)
        => Assert.Equal(expected, ContainerScan.NameOf(ContainerSniffer.Sniff(head)));

    [Fact]
    public void TiffReader_LoopingDirectories_RefusedWithoutHanging()
    {
        // IFD0 at 8 with zero entries whose next-IFD pointer points back at itself.
        byte[] tiff = [(byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0, 0, 0, 8, 0, 0, 0];

        TiffData? data = TiffReader.Read(tiff, WorkBudget.Unlimited);

        Assert.NotNull(data);
        Assert.Contains(data.Issues, i => i.Message.Contains("loop", StringComparison.Ordinal));
    }

    [Fact]
    public void TiffReader_ValueOffsetPastEnd_Reported()
    {
        byte[] tiff = new TiffBuilder().Ascii(0x0131, "Some long software name").Build();
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(8 + 2 + 8), 0xFFFF0000);

        TiffData? data = TiffReader.Read(tiff, WorkBudget.Unlimited);

        Assert.NotNull(data);
        Assert.False(data.TryGet("IFD0", 0x0131, out _));
        Assert.Contains(data.Issues, i => i.Message.Contains("past the end", StringComparison.Ordinal));
    }
}
