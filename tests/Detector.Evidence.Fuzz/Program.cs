using Detector.Evidence.Containers;
using Detector.Evidence.Internal;
using Detector.Evidence.Model;
using Detector.Evidence.Tests;
using SharpFuzz;

namespace Detector.Evidence.Fuzz;

/// <summary>
/// Fuzz entry: feeds one input to the container walkers (JPEG, PNG, RIFF, TIFF) and then to the whole analysis in strict
/// mode, where an exception inside any extractor propagates and is seen by the fuzzer as a crash.
/// </summary>
/// <remarks>
/// Modes: no argument or <c>--afl</c>: AFL++ out-of-process, input on stdin. <c>--libfuzzer</c>: libFuzzer via
/// libfuzzer-dotnet. <c>--run FILE…</c>: run each file once (reproduce a crash). <c>--write-corpus DIR</c>: write the seed files.
/// </remarks>
public static class Program
{
    private static readonly EvidenceOptions Options = new()
    {
        // Keep each run short: the fuzzer's own timeout then only catches real hangs.
        ExtractorTimeout = TimeSpan.FromSeconds(5),
        MaxInflatedBytes = 1024 * 1024,
        MaxStealthPixels = 4_000_000,
    };

    public static int Main(string[] args)
    {
        string mode = args.Length == 0 ? "--afl" : args[0];
        switch (mode)
        {
            case "--afl":
                Fuzzer.OutOfProcess.Run(stream =>
                {
                    using MemoryStream buffer = new();
                    stream.CopyTo(buffer);
                    Target(buffer.ToArray());
                });
                return 0;
            case "--libfuzzer":
                Fuzzer.LibFuzzer.Run(span => Target(span.ToArray()));
                return 0;
            case "--run":
                foreach (string file in args.Skip(1))
                {
                    EvidenceReport report = Target(File.ReadAllBytes(file));
                    Console.WriteLine($"{file}: {report.Container}, {report.Findings.Count} findings, {report.Elapsed.TotalMilliseconds:0.0} ms");
                }

                return 0;
            case "--write-corpus" when args.Length > 1:
                Directory.CreateDirectory(args[1]);
                foreach ((string name, byte[] bytes) in FuzzCorpus.Files)
                {
                    File.WriteAllBytes(Path.Combine(args[1], name), bytes);
                }

                Console.WriteLine($"{FuzzCorpus.Files.Count} seed files written to {args[1]}");
                return 0;
            default:
                Console.Error.WriteLine("usage: Detector.Evidence.Fuzz [--afl | --libfuzzer | --run FILE... | --write-corpus DIR]");
                return 2;
        }
    }

    private static EvidenceReport Target(byte[] input)
    {
        WorkBudget budget = new(TimeSpan.FromSeconds(5));
        JpegWalker.Walk(input, Options.MaxContainerChunks, budget);
        PngWalker.Walk(input, Options.MaxContainerChunks, budget);
        RiffWalker.Walk(input, Options.MaxContainerChunks, budget);
        TiffReader.Read(input, budget);
        return EvidenceAnalyzer.AnalyzeStrict(input, null, Options);
    }
}
