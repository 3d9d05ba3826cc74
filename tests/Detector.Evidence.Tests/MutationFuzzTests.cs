using System.Diagnostics;
using Detector.Evidence.Model;
using Xunit.Abstractions;

namespace Detector.Evidence.Tests;

/// <summary>
/// Property: random mutations of valid files (bit flips, byte overwrites, truncations, splices, length-field damage) never
/// make the analyzer throw, never make an extractor fail with an exception, and every analysis finishes within a bound.
/// Fixed seeds and a bounded count keep it deterministic and quick; DETECTOR_FUZZ_MUTATIONS raises the count for a longer run.
/// </summary>
public class MutationFuzzTests
{
    private const int MutationsPerFile = 600;
    private static readonly TimeSpan PerAnalysisBound = TimeSpan.FromSeconds(3);

    private readonly ITestOutputHelper _output;

    public MutationFuzzTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public static TheoryData<int> FileIndexes()
    {
        TheoryData<int> data = [];
        for (int i = 0; i < FuzzCorpus.Files.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FileIndexes))]
    public void Mutations_NeverThrowNorFailNorHang(int fileIndex)
    {
        (string name, byte[] original) = FuzzCorpus.Files[fileIndex];
        Random random = new(1000 + fileIndex);
        int findings = 0;
        TimeSpan slowest = TimeSpan.Zero;
        int count = int.TryParse(Environment.GetEnvironmentVariable("DETECTOR_FUZZ_MUTATIONS"), out int n) && n > 0 ? n : MutationsPerFile;
        for (int i = 0; i < count; i++)
        {
            byte[] mutated = Mutate(original, random);
            Stopwatch watch = Stopwatch.StartNew();
            EvidenceReport report = EvidenceAnalyzer.Analyze(mutated, null, null);
            watch.Stop();
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            Assert.True(watch.Elapsed < PerAnalysisBound, $"{name} mutation {i} took {watch.Elapsed}");
            ExtractorTiming? failed = report.Timings.FirstOrDefault(t => t.Outcome is ExtractorOutcome.Failed or ExtractorOutcome.BudgetExceeded);
            Assert.True(failed is null, $"{name} mutation {i}: {failed?.Extractor} {failed?.Outcome}\n{EvidenceAssert.Dump(report)}\nbytes: {Convert.ToBase64String(mutated)}");
            findings += report.Findings.Count;
        }

        _output.WriteLine($"{name}: {count} mutations, {findings} findings, slowest {slowest.TotalMilliseconds:0.0} ms");
    }

    internal static byte[] Mutate(byte[] original, Random random)
    {
        List<byte> data = [.. original];
        int operations = 1 + random.Next(4);
        for (int op = 0; op < operations && data.Count > 0; op++)
        {
            int at = random.Next(data.Count);
            switch (random.Next(7))
            {
                case 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    data[at] = (byte)(random.Next(4) switch { 0 => 0x00, 1 => 0xFF, 2 => 0x7F, _ => 0x80 });
                    break;
                case 2:
                    data.RemoveRange(at, data.Count - at);
                    break;
                case 3:
                    {
                        byte[] donor = FuzzCorpus.Files[random.Next(FuzzCorpus.Files.Count)].Bytes;
                        int from = random.Next(donor.Length);
                        int length = Math.Min(donor.Length - from, 1 + random.Next(256));
                        data.InsertRange(at, donor.AsSpan(from, length).ToArray());
                        break;
                    }

                case 4:
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(64)));
                    break;
                case 5:
                    // Damage something that looks like a length field: four bytes of 0xFF or 0x7F.
                    for (int i = 0; i < 4 && at + i < data.Count; i++)
                    {
                        data[at + i] = random.Next(2) == 0 ? (byte)0xFF : (byte)0x7F;
                    }

                    break;
                default:
                    {
                        int length = Math.Min(data.Count - at, 1 + random.Next(128));
                        data.InsertRange(random.Next(data.Count), data.GetRange(at, length));
                        break;
                    }
            }
        }

        return [.. data];
    }
}
