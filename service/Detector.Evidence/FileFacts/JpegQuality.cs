namespace Detector.Evidence.FileFacts;

/// <summary>A JPEG quantisation-table quality estimate against the IJG (libjpeg) standard tables.</summary>
/// <param name="TableId">DQT table id (0 is luminance by convention, 1 chrominance).</param>
/// <param name="Quality">The IJG quality (1–100) whose scaled standard table is closest.</param>
/// <param name="MeanAbsoluteDeviation">Mean absolute difference per entry from that table (0 = exact IJG table).</param>
internal sealed record JpegQualityEstimate(int TableId, int Quality, double MeanAbsoluteDeviation)
{
    public bool IsExact => MeanAbsoluteDeviation == 0;
}

/// <summary>
/// Estimates JPEG quality from quantisation tables by comparing them with the ITU-T T.81 Annex K example tables scaled
/// the way the IJG library scales them (quality below 50: 5000/q percent; otherwise 200 − 2q percent).
/// </summary>
internal static class JpegQuality
{
    /// <summary>Natural (row-major) index of each zigzag position.</summary>
    public static ReadOnlySpan<byte> ZigZag =>
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ];

    /// <summary>Annex K.1 luminance table, natural order.</summary>
    public static ReadOnlySpan<byte> StandardLuminance =>
    [
        16, 11, 10, 16, 24, 40, 51, 61,
        12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77,
        24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101,
        72, 92, 95, 98, 112, 100, 103, 99,
    ];

    /// <summary>Annex K.2 chrominance table, natural order.</summary>
    public static ReadOnlySpan<byte> StandardChrominance =>
    [
        17, 18, 24, 47, 99, 99, 99, 99,
        18, 21, 26, 66, 99, 99, 99, 99,
        24, 26, 56, 99, 99, 99, 99, 99,
        47, 66, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
    ];

    /// <summary>The IJG table for a quality, natural order (what libjpeg's jpeg_set_quality with force_baseline writes).</summary>
    public static int[] Scaled(ReadOnlySpan<byte> standard, int quality, bool baseline = true)
    {
        int scale = quality < 50 ? 5000 / quality : 200 - (quality * 2);
        int[] table = new int[64];
        for (int i = 0; i < 64; i++)
        {
            int value = ((standard[i] * scale) + 50) / 100;
            table[i] = Math.Clamp(value, 1, baseline ? 255 : 32767);
        }

        return table;
    }

    /// <summary>Estimates the quality of one table given in natural order.</summary>
    public static JpegQualityEstimate Estimate(int tableId, ReadOnlySpan<int> natural)
    {
        ReadOnlySpan<byte> standard = tableId == 0 ? StandardLuminance : StandardChrominance;
        int best = 1;
        long bestError = long.MaxValue;
        for (int q = 1; q <= 100; q++)
        {
            int[] expected = Scaled(standard, q);
            long error = 0;
            for (int i = 0; i < 64; i++)
            {
                error += Math.Abs(natural[i] - expected[i]);
            }

            if (error < bestError)
            {
                bestError = error;
                best = q;
            }
        }

        return new JpegQualityEstimate(tableId, best, bestError / 64.0);
    }

    /// <summary>Reads the tables of one DQT segment (zigzag order in the file) into natural order; stops at malformed data.</summary>
    public static List<(int Id, int[] Natural)> ParseDqt(ReadOnlySpan<byte> segment, out bool malformed)
    {
        List<(int, int[])> tables = [];
        malformed = false;
        int pos = 0;
        while (pos < segment.Length && tables.Count < 8)
        {
            int precision = segment[pos] >> 4;
            int id = segment[pos] & 0x0F;
            int size = precision == 0 ? 64 : 128;
            if (precision > 1 || id > 3 || pos + 1 + size > segment.Length)
            {
                malformed = true;
                break;
            }

            int[] natural = new int[64];
            for (int i = 0; i < 64; i++)
            {
                int value = precision == 0 ? segment[pos + 1 + i] : (segment[pos + 1 + (2 * i)] << 8) | segment[pos + 2 + (2 * i)];
                natural[ZigZag[i]] = value;
            }

            tables.Add((id, natural));
            pos += 1 + size;
        }

        return tables;
    }
}
