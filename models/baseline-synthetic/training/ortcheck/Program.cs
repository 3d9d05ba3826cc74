// Usage:
//   OrtCheck run   <model.onnx> <in.bin> <out.bin> [threads]   tensor file: int32 rank, int32 dims..., float32 data (little endian)
//   OrtCheck bench <model.onnx> <batch> <size> <seconds> [threads] [channels]
//   OrtCheck decode <list.txt> <out.bin>    ImageSharp 2.1.13 decode to RGB24 of each listed file;
//                                           out: per image int32 width, int32 height, width*height*3 bytes
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

static (int[] dims, float[] data) ReadTensor(string path)
{
    using var br = new BinaryReader(File.OpenRead(path));
    int rank = br.ReadInt32();
    var dims = new int[rank];
    for (int i = 0; i < rank; i++) dims[i] = br.ReadInt32();
    long n = 1;
    foreach (var d in dims) n *= d;
    var data = new float[n];
    for (long i = 0; i < n; i++) data[i] = br.ReadSingle();
    return (dims, data);
}

static InferenceSession Open(string model, int threads)
{
    var so = new SessionOptions
    {
        IntraOpNumThreads = threads,
        InterOpNumThreads = 1,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
    };
    return new InferenceSession(model, so);
}

string mode = args[0];
if (mode == "run")
{
    int threads = args.Length > 4 ? int.Parse(args[4]) : 2;
    using var s = Open(args[1], threads);
    var (dims, data) = ReadTensor(args[2]);
    var t = new DenseTensor<float>(data, dims);
    using var res = s.Run(new[] { NamedOnnxValue.CreateFromTensor("input", t) });
    var o = res.First(r => r.Name == "logit").AsTensor<float>();
    using var bw = new BinaryWriter(File.Create(args[3]));
    var od = o.Dimensions.ToArray();
    bw.Write(od.Length);
    foreach (var d in od) bw.Write(d);
    foreach (var v in o) bw.Write(v);
    Console.WriteLine($"ok {string.Join('x', od)}");
}
else if (mode == "bench")
{
    int batch = int.Parse(args[2]), size = int.Parse(args[3]);
    double seconds = double.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture);
    int threads = args.Length > 5 ? int.Parse(args[5]) : 2;
    int channels = args.Length > 6 ? int.Parse(args[6]) : 3;
    using var s = Open(args[1], threads);
    var rng = new Random(0);
    var data = new float[batch * channels * size * size];
    for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 4 - 2);
    var t = new DenseTensor<float>(data, new[] { batch, channels, size, size });
    var inputs = new[] { NamedOnnxValue.CreateFromTensor("input", t) };
    for (int i = 0; i < 3; i++) { using var _ = s.Run(inputs); }
    var sw = Stopwatch.StartNew();
    int runs = 0;
    var lat = new List<double>();
    while (sw.Elapsed.TotalSeconds < seconds)
    {
        var t0 = sw.Elapsed.TotalMilliseconds;
        using var _ = s.Run(inputs);
        lat.Add(sw.Elapsed.TotalMilliseconds - t0);
        runs++;
    }
    double el = sw.Elapsed.TotalSeconds;
    lat.Sort();
    Console.WriteLine($"batch {batch} size {size} threads {threads}: {runs} runs in {el:F2}s, {runs * batch / el:F1} images/s, " +
                      $"median batch latency {lat[lat.Count / 2]:F1} ms, p90 {lat[(int)(lat.Count * 0.9)]:F1} ms");
}
else if (mode == "decode")
{
    using var bw = new BinaryWriter(File.Create(args[2]));
    foreach (var path in File.ReadAllLines(args[1]).Where(l => l.Length > 0))
    {
        using var img = SixLabors.ImageSharp.Image.Load<Rgb24>(path);
        bw.Write(img.Width);
        bw.Write(img.Height);
        var buf = new byte[img.Width * img.Height * 3];
        img.CopyPixelDataTo(buf);
        bw.Write(buf);
    }
}
else
{
    Console.Error.WriteLine("usage: run|bench|decode ...");
    return 2;
}
return 0;
