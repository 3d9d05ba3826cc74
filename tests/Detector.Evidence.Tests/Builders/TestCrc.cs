namespace Detector.Evidence.Tests.Builders;

/// <summary>A bit-by-bit CRC-32 (independent of the library's table version) for writing PNG chunks.</summary>
internal static class TestCrc
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}
