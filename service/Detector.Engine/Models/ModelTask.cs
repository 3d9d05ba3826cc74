namespace Detector.Engine.Models;

/// <summary>What a model's score means.</summary>
public enum ModelTask
{
    /// <summary>P(the image is AI-generated).</summary>
    Synthetic,
    /// <summary>P(the image was edited or manipulated).</summary>
    Manipulation,
    /// <summary>A helper model that is not a detector (never used in the verdict).</summary>
    Auxiliary,
}

/// <summary>How a model's raw output becomes a score in [0,1].</summary>
public enum OutputKind
{
    /// <summary>The output is P(positive).</summary>
    Probability,
    /// <summary>The output is P(real): score = 1 - p.</summary>
    ProbabilityOfReal,
    /// <summary>The output is a logit: score = sigmoid(x).</summary>
    Logit,
    /// <summary>The output is a softmax: score = element PositiveIndex.</summary>
    Softmax,
    /// <summary>The output is logits: softmax first, then element PositiveIndex.</summary>
    LogitsSoftmax,
    /// <summary>A dense map with no score (manipulation maps; reserved).</summary>
    Map,
}

public static class ModelTaskNames
{
    public static string ToWireName(this ModelTask task) => task switch
    {
        ModelTask.Synthetic => "synthetic",
        ModelTask.Manipulation => "manipulation",
        _ => "auxiliary",
    };
}
