using Detector.Api.V1;
using Detector.Cli.Scoring;

namespace Detector.Evaluation.Tests.Cli;

public class ModelNamesTests
{
    [Fact]
    public void UnknownMessage_AllKnown_IsNull()
    {
        var available = new Dictionary<string, ModelInfo> { ["a"] = new(), ["b"] = new() };

        Assert.Null(ModelNames.UnknownMessage(["b", "a"], available));
    }

    [Fact]
    public void UnknownMessage_SomeUnknown_NamesThemAndListsTheServersSorted()
    {
        var available = new Dictionary<string, ModelInfo> { ["zeta"] = new(), ["alpha"] = new() };

        Assert.Equal("Unknown model(s) x, y; the server has: alpha, zeta.", ModelNames.UnknownMessage(["x", "alpha", "y"], available));
    }

    [Fact]
    public void UnknownMessage_ServerWithoutModels_SaysSo()
    {
        Assert.Equal("Unknown model(s) x; the server has: no models.", ModelNames.UnknownMessage(["x"], new Dictionary<string, ModelInfo>()));
    }
}
