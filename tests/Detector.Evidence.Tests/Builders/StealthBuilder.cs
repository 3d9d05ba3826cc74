using System.Buffers.Binary;
using System.Text;

namespace Detector.Evidence.Tests.Builders;

/// <summary>Hides a payload in pixel low bits the way NovelAI / the stealth-pnginfo extension do: column by column.</summary>
internal static class StealthBuilder
{
    /// <summary>Bits: 120-bit magic, 32-bit big-endian payload length in bits, payload; MSB first.</summary>
    public static bool[] Bits(string magic, byte[] payload, uint? declaredBits = null)
    {
        byte[] length = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, declaredBits ?? (uint)(payload.Length * 8));
        byte[] all = [.. Encoding.ASCII.GetBytes(magic), .. length, .. payload];
        bool[] bits = new bool[all.Length * 8];
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = ((all[i / 8] >> (7 - (i % 8))) & 1) != 0;
        }

        return bits;
    }

    /// <summary>RGBA pixels (noise-like colours) whose alpha LSBs, read x outer / y inner, carry the bits.</summary>
    public static byte[] RgbaWithAlphaBits(int width, int height, bool[] bits, int seed = 7)
    {
        Random random = new(seed);
        byte[] pixels = new byte[width * height * 4];
        random.NextBytes(pixels);
        for (int x = 0; x < width; x++)
        {
            for (int y = 0; y < height; y++)
            {
                int k = (x * height) + y;
                int p = ((y * width) + x) * 4;
                pixels[p + 3] = (byte)(0xFE | (k < bits.Length && bits[k] ? 1 : 0));
            }
        }

        return pixels;
    }

    /// <summary>RGB pixels whose R, G, B LSBs in turn, pixel by pixel column by column, carry the bits.</summary>
    public static byte[] RgbWithBits(int width, int height, bool[] bits, int seed = 9)
    {
        Random random = new(seed);
        byte[] pixels = new byte[width * height * 3];
        random.NextBytes(pixels);
        for (int x = 0; x < width; x++)
        {
            for (int y = 0; y < height; y++)
            {
                int pixel = (x * height) + y;
                int p = ((y * width) + x) * 3;
                for (int c = 0; c < 3; c++)
                {
                    int k = (pixel * 3) + c;
                    pixels[p + c] = (byte)((pixels[p + c] & 0xFE) | (k < bits.Length && bits[k] ? 1 : 0));
                }
            }
        }

        return pixels;
    }

    public static string NovelAiJson(string prompt, string negative, long seed) =>
        "{\"Title\": \"AI generated image\", \"Description\": \"" + prompt + "\", \"Software\": \"NovelAI\", \"Source\": \"NovelAI Diffusion V3 7BCCAA2C\", "
        + "\"Generation time\": \"1.2\", \"Comment\": \"{\\\"prompt\\\": \\\"" + prompt + "\\\", \\\"steps\\\": 28, \\\"height\\\": 64, \\\"width\\\": 64, \\\"scale\\\": 5.0, \\\"seed\\\": " + seed
        + ", \\\"sampler\\\": \\\"k_euler_ancestral\\\", \\\"uc\\\": \\\"" + negative + "\\\", \\\"request_type\\\": \\\"PromptGenerateRequest\\\"}\"}";
}
