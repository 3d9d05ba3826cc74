namespace Detector.Engine.Inference;

/// <summary>Runs one batch through a model. Implemented by <see cref="OnnxModelSession"/>; faked in batcher tests.</summary>
public interface IModelRunner
{
    /// <summary>
    /// Runs <paramref name="batchSize"/> tensors of <paramref name="height"/> × <paramref name="width"/> stored back to back in
    /// <paramref name="input"/>. Returns the flattened output and the number of values per image. Thread-safe.
    /// </summary>
    (float[] Output, int PerImage) Run(Memory<float> input, int batchSize, int height, int width);
}
