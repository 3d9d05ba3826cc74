namespace Detector.Imaging.Preprocessing;

/// <summary>How the image is brought to the model's input size.</summary>
public enum ResizeMode
{
    /// <summary>No resize: the tensor has the image's own size (dense-map models such as Noiseprint).</summary>
    None,
    /// <summary>Resize to exactly Width × Height, aspect ratio not kept (PIL/Keras/torchvision Resize((h,w))).</summary>
    Stretch,
    /// <summary>Resize the shorter side to <see cref="PreprocessRecipe.ShorterSide"/> keeping the aspect ratio, then centre-crop Width × Height (torchvision Resize(n) + CenterCrop).</summary>
    ShorterSideCenterCrop,
    /// <summary>Centre-crop Width × Height without resizing; smaller images are padded with <see cref="PreprocessRecipe.PadValue"/>.</summary>
    CenterCrop,
    /// <summary>Resize to Height, width = min(Width, ceil(Height * w / h)), placed at the left; the rest is <see cref="PreprocessRecipe.PadValue"/> (PaddleOCR cls).</summary>
    FixedHeightPadWidth,
}

/// <summary>Resampling filters, each exactly as the named library computes it.</summary>
public enum ResizeFilter
{
    /// <summary>PIL NEAREST: source index floor((x + 0.5) * in / out).</summary>
    PilNearest,
    /// <summary>PIL BILINEAR (antialiased on downscale, fixed point, horizontal then vertical pass).</summary>
    PilBilinear,
    /// <summary>PIL BICUBIC (a = -0.5, antialiased on downscale, fixed point).</summary>
    PilBicubic,
    /// <summary>OpenCV cv2.resize INTER_LINEAR (not antialiased, 11-bit fixed point).</summary>
    OpenCvLinear,
}

public enum TensorLayout
{
    Nchw,
    Nhwc,
}

public enum ColorOrder
{
    Rgb,
    Bgr,
    /// <summary>One channel: 0.299f*R + 0.587f*G + 0.114f*B in float32 (grey sources use the grey value itself).</summary>
    Luma,
}

/// <summary>How 8-bit values become floats before mean/std.</summary>
public enum ScaleMode
{
    /// <summary>v / ScaleValue in float32 (torchvision ToTensor, PaddleOCR).</summary>
    Divide,
    /// <summary>v * (1f / ScaleValue) in float32 (Keras rescale=1./255). Differs from Divide by 1 ulp on some values.</summary>
    ReciprocalMultiply,
}

/// <summary>
/// A model's preprocessing, declared so that it reproduces the original framework's input tensor.
/// After scaling: (v - Mean[c]) / Std[c] in float32 when Mean/Std are given.
/// </summary>
public sealed record PreprocessRecipe
{
    /// <summary>Target width (for <see cref="ResizeMode.FixedHeightPadWidth"/>: the padded width). Ignored for <see cref="ResizeMode.None"/>.</summary>
    public int Width { get; init; }

    /// <summary>Target height. Ignored for <see cref="ResizeMode.None"/>.</summary>
    public int Height { get; init; }

    public ResizeMode ResizeMode { get; init; } = ResizeMode.Stretch;

    public ResizeFilter Filter { get; init; } = ResizeFilter.PilBilinear;

    /// <summary>For <see cref="ResizeMode.ShorterSideCenterCrop"/>: the shorter side after resizing.</summary>
    public int ShorterSide { get; init; }

    public TensorLayout Layout { get; init; } = TensorLayout.Nchw;

    public ColorOrder ColorOrder { get; init; } = ColorOrder.Rgb;

    public ScaleMode ScaleMode { get; init; } = ScaleMode.Divide;

    public float ScaleValue { get; init; } = 255f;

    /// <summary>Per-channel mean, or null for none.</summary>
    public IReadOnlyList<float>? Mean { get; init; }

    /// <summary>Per-channel standard deviation, or null for none.</summary>
    public IReadOnlyList<float>? Std { get; init; }

    /// <summary>Tensor value written where padding is needed (after normalisation, not before).</summary>
    public float PadValue { get; init; }

    public int Channels => ColorOrder == ColorOrder.Luma ? 1 : 3;
}
