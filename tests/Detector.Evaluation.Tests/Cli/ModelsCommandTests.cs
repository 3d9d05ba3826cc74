using Detector.Api.V1;
using Detector.Cli;
using Detector.Cli.Commands;
using Spectre.Console;

namespace Detector.Evaluation.Tests.Cli;

public class ModelsCommandTests
{
    [Fact]
    public async Task Print_TableWiderThanTheConsole_OneBlockPerModelWithTheWholeHash()
    {
        var client = new FakeDetectorClient();
        ListModelsResponse response = await client.ListModelsAsync(new ListModelsRequest());
        using var writer = new StringWriter();
        IAnsiConsole console = Consoles.Create(writer, terminal: false);
        console.Profile.Width = 100; // as in a 100-column terminal

        ModelsCommand.Print(console, response, "http://server");

        string[] lines = writer.ToString().Split('\n');
        Assert.Contains(lines, static l => l.StartsWith("m1 1 (synthetic, default)", StringComparison.Ordinal));
        Assert.Contains(lines, static l => l.Contains("sha256", StringComparison.Ordinal) && l.Contains(FakeDetectorClient.M1Sha256, StringComparison.Ordinal));
        Assert.Contains(lines, static l => l.Contains("score meaning  P(fake) = sigmoid(logit)", StringComparison.Ordinal));
        Assert.Contains(lines, static l => l.Contains("input", StringComparison.Ordinal) && l.Contains("256x256 stretch pil-bilinear, RGB NCHW", StringComparison.Ordinal));
        Assert.All(lines, static l => Assert.True(l.TrimEnd('\r').Length <= 100, l));
        Assert.All(lines, static l => Assert.False(l.TrimEnd('\r').EndsWith(' '), $"'{l}'"));
        Assert.Contains("1 model on http://server", writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Recipe_EmptyParts_AreLeftOut()
    {
        Assert.Equal("224x224 center-crop, RGB NCHW", ModelsCommand.Recipe(new InputSpec { Width = 224, Height = 224, ResizeMode = "center-crop", ColorOrder = "RGB", Layout = "NCHW" }));
    }
}
