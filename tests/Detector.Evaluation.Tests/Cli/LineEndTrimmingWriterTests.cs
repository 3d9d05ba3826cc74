using Detector.Cli;

namespace Detector.Evaluation.Tests.Cli;

public class LineEndTrimmingWriterTests
{
    [Fact]
    public void Write_BlanksBeforeLineEnds_AreDropped()
    {
        using var inner = new StringWriter();
        using var writer = new LineEndTrimmingWriter(inner);

        writer.Write("a  b \t\n   \nc \r\nd");

        Assert.Equal("a  b\n\nc\r\nd", inner.ToString());
    }

    [Fact]
    public void Write_BlanksFollowedByTextInALaterWrite_AreKept()
    {
        using var inner = new StringWriter();
        using var writer = new LineEndTrimmingWriter(inner);

        writer.Write("  model ");
        writer.Write(' ');
        writer.Write("score".ToCharArray(), 0, 5);
        writer.Write("   ");
        writer.WriteLine();

        Assert.Equal("  model  score" + Environment.NewLine, inner.ToString());
    }

    [Fact]
    public void Write_BlanksNotYetEndedByALineEnd_AreHeldBack()
    {
        using var inner = new StringWriter();
        using var writer = new LineEndTrimmingWriter(inner);

        writer.Write("x  ");
        writer.Flush();

        Assert.Equal("x", inner.ToString());
    }
}
