using Detector.Imaging.Preprocessing;

namespace Detector.Imaging.Tests;

/// <summary>The recipes equivalent to each conformance family (see shared/conformance/README.md).</summary>
internal static class ConformanceRecipes
{
    public static PreprocessRecipe ForFamily(string family) => family switch
    {
        // Keras load_img (PIL NEAREST) + ImageDataGenerator(rescale=1./255): a float32 multiply.
        "mesonet" => new PreprocessRecipe
        {
            Width = 256,
            Height = 256,
            ResizeMode = ResizeMode.Stretch,
            Filter = ResizeFilter.PilNearest,
            ScaleMode = ScaleMode.ReciprocalMultiply,
            ScaleValue = 255f,
        },

        // torchvision Resize((256,256)) = PIL BILINEAR, ToTensor, Normalize(ImageNet).
        "tiny-ladeda" => new PreprocessRecipe
        {
            Width = 256,
            Height = 256,
            ResizeMode = ResizeMode.Stretch,
            Filter = ResizeFilter.PilBilinear,
            ScaleMode = ScaleMode.Divide,
            ScaleValue = 255f,
            Mean = [0.485f, 0.456f, 0.406f],
            Std = [0.229f, 0.224f, 0.225f],
        },

        // PaddleOCR cls resize_norm_img: cv2 BGR, INTER_LINEAR to height 48, x/255, -0.5, /0.5, zero padding to 192.
        "ppocr-cls" => new PreprocessRecipe
        {
            Width = 192,
            Height = 48,
            ResizeMode = ResizeMode.FixedHeightPadWidth,
            Filter = ResizeFilter.OpenCvLinear,
            ColorOrder = ColorOrder.Bgr,
            ScaleMode = ScaleMode.Divide,
            ScaleValue = 255f,
            Mean = [0.5f, 0.5f, 0.5f],
            Std = [0.5f, 0.5f, 0.5f],
            PadValue = 0f,
        },

        // Noiseprint imread2f_pil(channel=1): float32 luma / 256, no resize.
        "noiseprint" => new PreprocessRecipe
        {
            ResizeMode = ResizeMode.None,
            ColorOrder = ColorOrder.Luma,
            ScaleMode = ScaleMode.Divide,
            ScaleValue = 256f,
        },

        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "No recipe for this family."),
    };

    /// <summary>Factor from tensor units back to [0,1] pixel units for tensor channel <paramref name="channel"/>.</summary>
    public static double StdOf(PreprocessRecipe recipe, int channel) =>
        (recipe.Std is null ? 1.0 : recipe.Std[channel]) * (recipe.ScaleValue / 255.0);

    public static double SmallestStd(PreprocessRecipe recipe)
    {
        double smallest = double.MaxValue;
        for (int c = 0; c < recipe.Channels; c++)
        {
            smallest = Math.Min(smallest, StdOf(recipe, c));
        }

        return smallest;
    }
}
