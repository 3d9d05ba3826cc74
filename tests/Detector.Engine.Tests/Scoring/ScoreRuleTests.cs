using Detector.Engine.Models;
using Detector.Engine.Scoring;

namespace Detector.Engine.Tests.Scoring;

public sealed class ScoreRuleTests
{
    private static OutputSpec Spec(OutputKind kind, int index = 0) => new("out", kind, index, "");

    [Fact]
    public void Apply_ProbabilityOfReal_InvertsInFloat32() =>
        Assert.Equal(1f - 0.25f, ScoreRule.Apply(Spec(OutputKind.ProbabilityOfReal), [0.25f]));

    [Fact]
    public void Apply_Logit_IsSigmoid() =>
        Assert.Equal(1.0 / (1.0 + Math.Exp(-2.0)), ScoreRule.Apply(Spec(OutputKind.Logit), [2f]), 6);

    [Fact]
    public void Apply_Softmax_TakesPositiveIndex() =>
        Assert.Equal(0.9f, ScoreRule.Apply(Spec(OutputKind.Softmax, 1), [0.1f, 0.9f]));

    [Fact]
    public void Apply_LogitsSoftmax_NormalisesFirst() =>
        Assert.Equal(Math.Exp(1) / (Math.Exp(1) + Math.Exp(3)), ScoreRule.Apply(Spec(OutputKind.LogitsSoftmax, 0), [1f, 3f]), 6);

    [Fact]
    public void Apply_MapOutput_HasNoScore() =>
        Assert.Equal(0f, ScoreRule.Apply(Spec(OutputKind.Map), [0.7f, 0.8f]));

    [Fact]
    public void Apply_ProbabilityOutOfRange_IsClamped() =>
        Assert.Equal(1f, ScoreRule.Apply(Spec(OutputKind.Probability), [1.2f]));
}
