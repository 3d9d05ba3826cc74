using Detector.Evidence.Watermark;

namespace Detector.Evidence.Tests.Watermark;

/// <summary>
/// Test-only embedder, written from the description of <c>EmbedMaxDct.encode</c>: for each 4×4 block of the Haar
/// approximation cA of U, the coefficient with the largest |v| among the 15 after the first is moved to
/// sign(v)·(⌊|v| / 36⌋ + 0.25 + 0.5·bit)·36, i.e. |v| mod 36 lands on 9 for a 0 and 27 for a 1.
/// </summary>
/// <remarks>
/// The reference then inverts the DWT (changing cA by δ adds δ/2 to each of the four U samples of its 2×2 cell,
/// the detail coefficients being unchanged) and converts YUV back to 8-bit BGR. Here only those cells are rewritten:
/// R and luminance are kept, B and G are solved for the new U from OpenCV's linear model
/// (U = 0.492·(B − Y) + 128) and rounded. Rounding moves U by about ±1 per pixel, cA by ±2 at most, well inside
/// the ±9 margin of the vote.
/// </remarks>
internal static class DwtDctTestEncoder
{
    public static byte[] Embed(
        ReadOnlySpan<byte> rgb,
        int width,
        int height,
        IReadOnlyList<bool> bits,
        DwtDctChannelOrder channelOrder = DwtDctChannelOrder.Reference)
    {
        byte[] output = rgb[..(width * height * 3)].ToArray();
        bool swapped = channelOrder == DwtDctChannelOrder.Swapped;
        int redOffset = swapped ? 2 : 0;
        int blueOffset = swapped ? 0 : 2;

        int rows = height / 4 * 4;
        int cols = width / 4 * 4;
        int caRows = rows / 2;
        int caCols = cols / 2;

        var u = new int[rows * cols];
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < cols; x++)
            {
                int p = ((y * width) + x) * 3;
                u[(y * cols) + x] = OpenCvU(output[p + redOffset], output[p + 1], output[p + blueOffset]);
            }
        }

        double CA(int i, int j) =>
            (u[(2 * i * cols) + (2 * j)] + u[(2 * i * cols) + (2 * j) + 1] + u[(((2 * i) + 1) * cols) + (2 * j)] + u[(((2 * i) + 1) * cols) + (2 * j) + 1]) / 2.0;

        int n = 0;
        for (int br = 0; br < caRows / 4; br++)
        {
            for (int bc = 0; bc < caCols / 4; bc++)
            {
                int position = 1;
                double best = -1;
                for (int index = 1; index < 16; index++)
                {
                    double magnitude = Math.Abs(CA((br * 4) + (index / 4), (bc * 4) + (index % 4)));
                    if (magnitude > best)
                    {
                        best = magnitude;
                        position = index;
                    }
                }

                int i = (br * 4) + (position / 4);
                int j = (bc * 4) + (position % 4);
                double value = CA(i, j);
                int bit = bits[n % bits.Count] ? 1 : 0;
                double magnitudeTarget = (Math.Floor(Math.Abs(value) / DwtDctWatermarkDecoder.Scale) + 0.25 + (0.5 * bit)) * DwtDctWatermarkDecoder.Scale;
                double target = value >= 0 ? magnitudeTarget : -magnitudeTarget;
                double perSample = (target - value) / 2;

                for (int dy = 0; dy < 2; dy++)
                {
                    for (int dx = 0; dx < 2; dx++)
                    {
                        int y = (2 * i) + dy;
                        int x = (2 * j) + dx;
                        int p = ((y * width) + x) * 3;
                        SetU(output, p, redOffset, blueOffset, u[(y * cols) + x] + perSample);
                    }
                }

                n++;
            }
        }

        return output;
    }

    /// <summary>OpenCV's integer BGR→YUV, U only (the same published formula the decoder uses).</summary>
    public static int OpenCvU(int r, int g, int b)
    {
        int y = ((r * 4899) + (g * 9617) + (b * 1868) + 8192) >> 14;
        return Math.Clamp((((b - y) * 8061) + (128 << 14) + 8192) >> 14, 0, 255);
    }

    private static void SetU(byte[] rgb, int p, int redOffset, int blueOffset, double targetU)
    {
        double r = rgb[p + redOffset];
        double g = rgb[p + 1];
        double b = rgb[p + blueOffset];
        double luma = (0.299 * r) + (0.587 * g) + (0.114 * b);
        double newB = luma + ((targetU - 128) / 0.492);
        double newG = (luma - (0.299 * r) - (0.114 * newB)) / 0.587;
        rgb[p + blueOffset] = (byte)Math.Clamp(Math.Round(newB), 0, 255);
        rgb[p + 1] = (byte)Math.Clamp(Math.Round(newG), 0, 255);
    }
}
