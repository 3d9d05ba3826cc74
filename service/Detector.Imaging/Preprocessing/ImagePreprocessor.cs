using System.Buffers;
using Detector.Imaging.Decoding;
using Detector.Imaging.Preprocessing.Resamplers;

namespace Detector.Imaging.Preprocessing;

/// <summary>
/// Turns decoded RGB8 pixels into one image's model input tensor, as the model's original framework did.
/// Resampling happens in 8 bits (as PIL and OpenCV do it) into a pooled buffer; one pass then converts to
/// float32 with the recipe's exact float operations and writes straight into the caller's slice of the batch.
/// </summary>
public static class ImagePreprocessor
{
    // ITU-R 601 luma weights as float32 literals, the values numpy multiplies by for a float32 image.
    private const float LumaR = 0.299f;
    private const float LumaG = 0.587f;
    private const float LumaB = 0.114f;

    /// <summary>
    /// Largest image, in pixels, that preprocessing resamples into or through: the resized image, and for PIL's two-pass
    /// filters the intermediate of the horizontal pass (the new width by every source row read). 64,000,000, the
    /// decoder's default pixel limit; only an aspect ratio near 1000:1 reaches it for a 256-pixel model input.
    /// </summary>
    public const long MaxIntermediatePixels = 64_000_000;

    /// <summary>The tensor's spatial size: the image's own for <see cref="ResizeMode.None"/>, otherwise the recipe's.</summary>
    public static (int Height, int Width) TensorSize(PreprocessRecipe recipe, int imageWidth, int imageHeight)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        return recipe.ResizeMode == ResizeMode.None ? (imageHeight, imageWidth) : (recipe.Height, recipe.Width);
    }

    /// <summary>Number of floats <see cref="Write(DecodedImage, PreprocessRecipe, Span{float})"/> writes: Channels x H x W.</summary>
    public static int TensorLength(PreprocessRecipe recipe, int imageWidth, int imageHeight)
    {
        (int height, int width) = TensorSize(recipe, imageWidth, imageHeight);
        return checked(recipe.Channels * height * width);
    }

    /// <summary>
    /// Writes one image's tensor (Channels x H x W floats in the recipe's layout) into <paramref name="destination"/>,
    /// whose length must be exactly <see cref="TensorLength"/>.
    /// </summary>
    public static void Write(DecodedImage image, PreprocessRecipe recipe, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        Write(image.Rgb, image.Width, image.Height, image.IsGrayscale, recipe, destination);
    }

    /// <summary>
    /// Same as <see cref="Write(DecodedImage, PreprocessRecipe, Span{float})"/> on raw interleaved RGB8 pixels.
    /// <paramref name="isGrayscale"/> says R = G = B came from one grey channel (luma then reads it directly).
    /// </summary>
    public static void Write(ReadOnlySpan<byte> rgb, int width, int height, bool isGrayscale, PreprocessRecipe recipe, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (rgb.Length < (long)width * height * 3)
        {
            throw new ArgumentException("Pixel span shorter than width * height * 3.", nameof(rgb));
        }

        Validate(recipe);
        (int tensorHeight, int tensorWidth) = TensorSize(recipe, width, height);
        int expected = TensorLength(recipe, width, height);
        if (destination.Length != expected)
        {
            throw new ArgumentException(
                $"Destination holds {destination.Length} floats; this tensor needs {recipe.Channels}x{tensorHeight}x{tensorWidth} = {expected}.",
                nameof(destination));
        }

        EnsureWithinLimits(recipe, width, height);
        Placement placement = Place(recipe, width, height);
        byte[]? resized = null;
        try
        {
            ReadOnlySpan<byte> pixels = rgb;
            if (placement.ResizedWidth != width || placement.ResizedHeight != height)
            {
                // PIL and OpenCV both copy when the size already matches, so resampling happens only here.
                int length = checked(placement.ResizedWidth * placement.ResizedHeight * 3);
                resized = ArrayPool<byte>.Shared.Rent(length);
                Resampler.Resize(recipe.Filter, rgb, width, height, resized, placement.ResizedWidth, placement.ResizedHeight);
                pixels = resized.AsSpan(0, length);
            }

            if (placement.CopyWidth != tensorWidth || placement.CopyHeight != tensorHeight)
            {
                destination.Fill(recipe.PadValue);
            }

            if (recipe.ColorOrder == ColorOrder.Luma)
            {
                WriteLuma(pixels, placement, isGrayscale, recipe, tensorWidth, destination);
            }
            else
            {
                WriteColor(pixels, placement, recipe, tensorWidth, tensorHeight, destination);
            }
        }
        finally
        {
            if (resized is not null)
            {
                ArrayPool<byte>.Shared.Return(resized);
            }
        }
    }

    /// <summary>
    /// Refuses an image whose resize for <paramref name="recipe"/> would go through more than <see cref="MaxIntermediatePixels"/>
    /// (a thin column or strip stretched to a square, or made 256 pixels on its short side), with
    /// <see cref="ImageRejectedException"/> (<see cref="ImageRejection.TooManyPixels"/>): the decode limits bound the
    /// image, not what its aspect ratio makes the resize allocate. A caller scoring several models checks each first.
    /// </summary>
    public static void EnsureWithinLimits(PreprocessRecipe recipe, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        Validate(recipe);
        Placement p = Place(recipe, width, height);
        if (p.ResizedWidth == width && p.ResizedHeight == height)
        {
            return;
        }

        // PIL widens (or narrows) every source row read before the vertical pass; the rows read are at most all of them.
        bool twoPass = recipe.Filter is ResizeFilter.PilBilinear or ResizeFilter.PilBicubic && p.ResizedWidth != width && p.ResizedHeight != height;
        (long intermediateWidth, long intermediateHeight) = twoPass && height > p.ResizedHeight
            ? (p.ResizedWidth, height)
            : (p.ResizedWidth, p.ResizedHeight);
        long pixels = intermediateWidth * intermediateHeight;
        if (pixels > MaxIntermediatePixels)
        {
            throw new ImageRejectedException(
                ImageRejection.TooManyPixels,
                $"resizing this {width}x{height} image to the model's input goes through a {intermediateWidth}x{intermediateHeight} image ({pixels} pixels), over the limit of {MaxIntermediatePixels}: its aspect ratio is too extreme");
        }
    }

    /// <summary>
    /// Where the image goes: the size it is resampled to, and which rectangle of that is copied to which place in
    /// the tensor (the rest is padding).
    /// </summary>
    internal static Placement Place(PreprocessRecipe recipe, int width, int height)
    {
        switch (recipe.ResizeMode)
        {
            case ResizeMode.None:
                return Placement.Whole(width, height);
            case ResizeMode.Stretch:
                return Placement.Whole(recipe.Width, recipe.Height);
            case ResizeMode.FixedHeightPadWidth:
                return Placement.Whole(PaddedWidthResize(recipe.Width, recipe.Height, width, height), recipe.Height);
            case ResizeMode.ShorterSideCenterCrop:
                (int resizedWidth, int resizedHeight) = ShorterSideSize(recipe.ShorterSide, width, height);
                return Placement.CenterCrop(resizedWidth, resizedHeight, recipe.Width, recipe.Height);
            case ResizeMode.CenterCrop:
                return Placement.CenterCrop(width, height, recipe.Width, recipe.Height);
            default:
                throw new ArgumentOutOfRangeException(nameof(recipe), recipe.ResizeMode, "Unknown resize mode.");
        }
    }

    /// <summary>
    /// torchvision 0.14 <c>Resize(int)</c>: the shorter side becomes <paramref name="shorterSide"/>, the longer
    /// <c>int(shorterSide * long / short)</c> (true division, then truncation).
    /// </summary>
    internal static (int Width, int Height) ShorterSideSize(int shorterSide, int width, int height)
    {
        bool portrait = width <= height;
        int shortSide = portrait ? width : height;
        int longSide = portrait ? height : width;
        int newLong = Math.Max(1, (int)((double)shorterSide * longSide / shortSide));
        return portrait ? (shorterSide, newLong) : (newLong, shorterSide);
    }

    /// <summary>
    /// PaddleOCR cls <c>resize_norm_img</c>: <c>ratio = w / float(h)</c>; width <c>min(W, ceil(H * ratio))</c>.
    /// Kept as PaddleOCR writes it (H times the ratio) rather than <c>ceil(H * w / h)</c>: the two can round differently.
    /// </summary>
    internal static int PaddedWidthResize(int targetWidth, int targetHeight, int width, int height)
    {
        double ratio = (double)width / height;
        double wanted = Math.Ceiling(targetHeight * ratio);
        return wanted > targetWidth ? targetWidth : Math.Max(1, (int)wanted);
    }

    private static void Validate(PreprocessRecipe recipe)
    {
        if (recipe.ResizeMode != ResizeMode.None && (recipe.Width < 1 || recipe.Height < 1))
        {
            throw new ArgumentException($"Recipe size {recipe.Width}x{recipe.Height} is not positive.", nameof(recipe));
        }

        if (recipe.ResizeMode == ResizeMode.ShorterSideCenterCrop && recipe.ShorterSide < 1)
        {
            throw new ArgumentException("ShorterSideCenterCrop needs a positive ShorterSide.", nameof(recipe));
        }

        if (recipe.ScaleValue == 0f || !float.IsFinite(recipe.ScaleValue))
        {
            throw new ArgumentException($"ScaleValue {recipe.ScaleValue} is not a finite non-zero number.", nameof(recipe));
        }

        if ((recipe.Mean is null) != (recipe.Std is null))
        {
            throw new ArgumentException("Mean and Std are given together or not at all.", nameof(recipe));
        }

        if (recipe.Mean is not null && (recipe.Mean.Count != recipe.Channels || recipe.Std!.Count != recipe.Channels))
        {
            throw new ArgumentException($"Mean and Std need {recipe.Channels} values each.", nameof(recipe));
        }
    }

    private static void WriteColor(
        ReadOnlySpan<byte> pixels,
        Placement p,
        PreprocessRecipe recipe,
        int tensorWidth,
        int tensorHeight,
        Span<float> destination)
    {
        // 8-bit input: every channel's 256 possible outputs are computed once with the exact float operations.
        Span<float> table = stackalloc float[3 * 256];
        Span<int> sourceChannel = stackalloc int[3];
        for (int c = 0; c < 3; c++)
        {
            sourceChannel[c] = recipe.ColorOrder == ColorOrder.Bgr ? 2 - c : c;
            for (int v = 0; v < 256; v++)
            {
                table[(c * 256) + v] = Normalize(v, c, recipe);
            }
        }

        int plane = tensorWidth * tensorHeight;
        int stride = p.ResizedWidth * 3;
        bool nchw = recipe.Layout == TensorLayout.Nchw;
        ReadOnlySpan<float> t0 = table[..256];
        ReadOnlySpan<float> t1 = table.Slice(256, 256);
        ReadOnlySpan<float> t2 = table.Slice(512, 256);
        int c0 = sourceChannel[0];
        int c1 = sourceChannel[1];
        int c2 = sourceChannel[2];
        for (int y = 0; y < p.CopyHeight; y++)
        {
            ReadOnlySpan<byte> row = pixels.Slice(((p.SourceY + y) * stride) + (p.SourceX * 3), p.CopyWidth * 3);
            int outRow = ((p.TargetY + y) * tensorWidth) + p.TargetX;
            if (nchw)
            {
                Span<float> d0 = destination.Slice(outRow, p.CopyWidth);
                Span<float> d1 = destination.Slice(plane + outRow, p.CopyWidth);
                Span<float> d2 = destination.Slice((2 * plane) + outRow, p.CopyWidth);
                for (int x = 0, s = 0; x < d0.Length; x++, s += 3)
                {
                    d0[x] = t0[row[s + c0]];
                    d1[x] = t1[row[s + c1]];
                    d2[x] = t2[row[s + c2]];
                }
            }
            else
            {
                Span<float> d = destination.Slice(outRow * 3, p.CopyWidth * 3);
                for (int s = 0; s < d.Length; s += 3)
                {
                    d[s] = t0[row[s + c0]];
                    d[s + 1] = t1[row[s + c1]];
                    d[s + 2] = t2[row[s + c2]];
                }
            }
        }
    }

    private static void WriteLuma(
        ReadOnlySpan<byte> pixels,
        Placement p,
        bool isGrayscale,
        PreprocessRecipe recipe,
        int tensorWidth,
        Span<float> destination)
    {
        int stride = p.ResizedWidth * 3;
        Span<float> greyTable = stackalloc float[256];
        if (isGrayscale)
        {
            // Grey sources use the grey value itself (the original code reads PIL mode "L" directly).
            for (int v = 0; v < 256; v++)
            {
                greyTable[v] = Normalize(v, 0, recipe);
            }
        }

        bool divide = recipe.ScaleMode == ScaleMode.Divide;
        float scale = recipe.ScaleValue;
        float reciprocal = 1f / recipe.ScaleValue;
        bool normalize = recipe.Mean is not null;
        float mean = normalize ? recipe.Mean![0] : 0f;
        float std = normalize ? recipe.Std![0] : 1f;

        // One channel: NCHW and NHWC are the same memory order.
        for (int y = 0; y < p.CopyHeight; y++)
        {
            ReadOnlySpan<byte> row = pixels.Slice(((p.SourceY + y) * stride) + (p.SourceX * 3), p.CopyWidth * 3);
            Span<float> d = destination.Slice(((p.TargetY + y) * tensorWidth) + p.TargetX, p.CopyWidth);
            if (isGrayscale)
            {
                for (int x = 0, s = 0; x < d.Length; x++, s += 3)
                {
                    d[x] = greyTable[row[s]];
                }

                continue;
            }

            // float32 products summed left to right, as numpy does on a float32 image; scale and normalisation are
            // separate loops so that the per-pixel loop has no branch (the float results are the same).
            for (int x = 0, s = 0; x < d.Length; x++, s += 3)
            {
                d[x] = (LumaR * row[s]) + (LumaG * row[s + 1]) + (LumaB * row[s + 2]);
            }

            if (divide)
            {
                for (int x = 0; x < d.Length; x++)
                {
                    d[x] /= scale;
                }
            }
            else
            {
                for (int x = 0; x < d.Length; x++)
                {
                    d[x] *= reciprocal;
                }
            }

            if (normalize)
            {
                for (int x = 0; x < d.Length; x++)
                {
                    d[x] = (d[x] - mean) / std;
                }
            }
        }
    }

    private static float Normalize(int value, int channel, PreprocessRecipe recipe)
    {
        float v = value;
        float scaled = recipe.ScaleMode == ScaleMode.Divide
            ? v / recipe.ScaleValue
            : v * (1f / recipe.ScaleValue);
        return recipe.Mean is null ? scaled : (scaled - recipe.Mean[channel]) / recipe.Std![channel];
    }

    /// <summary>
    /// Resampled size, and the rectangle (SourceX, SourceY, CopyWidth, CopyHeight) of the resampled image that lands
    /// at (TargetX, TargetY) in the tensor.
    /// </summary>
    internal readonly record struct Placement(
        int ResizedWidth,
        int ResizedHeight,
        int SourceX,
        int SourceY,
        int TargetX,
        int TargetY,
        int CopyWidth,
        int CopyHeight)
    {
        public static Placement Whole(int width, int height) => new(width, height, 0, 0, 0, 0, width, height);

        /// <summary>
        /// torchvision <c>CenterCrop</c> per axis: a larger image is cropped at <c>round((size - crop) / 2)</c>
        /// (round half to even, as Python's round); a smaller one is centred with <c>(crop - size) // 2</c> before it
        /// and the odd pixel after it. torchvision pads with black pixels before normalising; here padding is the
        /// recipe's tensor PadValue, the same when PadValue is set to what black normalises to.
        /// </summary>
        public static Placement CenterCrop(int width, int height, int cropWidth, int cropHeight)
        {
            (int sourceX, int targetX, int copyWidth) = Axis(width, cropWidth);
            (int sourceY, int targetY, int copyHeight) = Axis(height, cropHeight);
            return new(width, height, sourceX, sourceY, targetX, targetY, copyWidth, copyHeight);
        }

        private static (int Source, int Target, int Length) Axis(int size, int crop) => crop > size
            ? (0, (crop - size) / 2, size)
            : ((int)Math.Round((size - crop) / 2.0, MidpointRounding.ToEven), 0, crop);
    }
}
