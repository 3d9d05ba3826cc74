using Detector.Cli;
using Spectre.Console;

namespace Detector.Evaluation.Tests.Cli;

public class ConsolesTests
{
    [Fact]
    public void IsTerminal_StdoutRedirected_IsFalse()
    {
        Assert.False(Consoles.IsTerminal(Console.Out, outputRedirected: true));
    }

    [Fact]
    public void IsTerminal_StdoutNotRedirected_IsTrue()
    {
        Assert.True(Consoles.IsTerminal(Console.Out, outputRedirected: false));
    }

    [Fact]
    public void IsTerminal_OtherWriter_IsFalse()
    {
        using var writer = new StringWriter();

        Assert.False(Consoles.IsTerminal(writer, outputRedirected: false));
    }

    [Fact]
    public void Create_NotTerminal_WideTableIsNeitherWrappedNorTruncated()
    {
        using var writer = new StringWriter();
        IAnsiConsole console = Consoles.Create(writer, terminal: false);
        string sha = new('a', 64);
        string description = string.Join(' ', Enumerable.Repeat("a long description", 30));
        var table = new Table().AddColumn("name").AddColumn("version").AddColumn("sha256").AddColumn("description");
        table.AddRow("baseline-synthetic", "0.1.0", sha, description);

        console.Write(table);

        string[] lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length); // top border, header, separator, the one row, bottom border
        Assert.Contains("version", lines[1], StringComparison.Ordinal);
        Assert.Contains("description", lines[1], StringComparison.Ordinal);
        Assert.Contains("baseline-synthetic", lines[3], StringComparison.Ordinal);
        Assert.Contains(sha, lines[3], StringComparison.Ordinal);
        Assert.Contains(description, lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NotTerminal_LongLineIsNotWrapped()
    {
        using var writer = new StringWriter();
        IAnsiConsole console = Consoles.Create(writer, terminal: false);
        string line = string.Join(' ', Enumerable.Repeat("word", 100));

        console.MarkupLine(line);

        Assert.Equal(line + Environment.NewLine, writer.ToString());
    }
}
