using Google.Protobuf;

namespace Detector.TestSupport;

/// <summary>
/// Writes small ONNX models from test code, so self-contained tests need no model files. The bytes are an
/// ONNX ModelProto written field by field with protobuf's wire format (field numbers from the ONNX specification).
/// The model: logit = w · mean_over_pixels(input)[c] + b, optionally followed by a sigmoid.
/// Input [N,3,H,W] float32 (N dynamic; H and W fixed or dynamic), output [N,1].
/// </summary>
public static class TinyOnnxModel
{
    private const int FloatType = 1;
    private const int AttrInt = 2;
    private const int AttrInts = 7;

    /// <param name="path">Where to write the .onnx file.</param>
    /// <param name="weights">Three per-channel weights.</param>
    /// <param name="bias">Bias added to the weighted mean.</param>
    /// <param name="sigmoid">Append a Sigmoid so that the output is a probability.</param>
    /// <param name="height">Fixed input height, or null for dynamic.</param>
    /// <param name="width">Fixed input width, or null for dynamic.</param>
    /// <param name="inputName">Graph input name.</param>
    /// <param name="outputName">Graph output name.</param>
    /// <param name="batch">Fixed batch size, or null for dynamic.</param>
    public static void WriteMeanColorModel(
        string path,
        float[] weights,
        float bias,
        bool sigmoid,
        int? height = null,
        int? width = null,
        string inputName = "input",
        string outputName = "output",
        int? batch = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        string logitName = sigmoid ? "logit" : outputName;
        List<byte[]> nodes =
        [
            Node("ReduceMean", [inputName], ["mean"], Attr("axes", [2, 3]), Attr("keepdims", 1)),
            Node("Flatten", ["mean"], ["flat"], Attr("axis", 1)),
            Node("MatMul", ["flat", "w"], ["dot"]),
            Node("Add", ["dot", "b"], [logitName]),
        ];
        if (sigmoid)
        {
            nodes.Add(Node("Sigmoid", ["logit"], [outputName]));
        }

        byte[] graph = Message(o =>
        {
            foreach (byte[] node in nodes)
            {
                o.WriteTag(1, WireFormat.WireType.LengthDelimited);
                o.WriteBytes(ByteString.CopyFrom(node));
            }

            o.WriteTag(2, WireFormat.WireType.LengthDelimited);
            o.WriteString("tiny_mean_color");
            WriteField(o, 5, Tensor("w", [3, 1], weights));
            WriteField(o, 5, Tensor("b", [1], [bias]));
            WriteField(o, 11, ValueInfo(inputName, [Dim(batch, "N"), Dim(3, null), Dim(height, "H"), Dim(width, "W")]));
            WriteField(o, 12, ValueInfo(outputName, [Dim(batch, "N"), Dim(1, null)]));
        });

        byte[] model = Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Varint);
            o.WriteInt64(8); // ir_version
            o.WriteTag(2, WireFormat.WireType.LengthDelimited);
            o.WriteString("detector-tests");
            WriteField(o, 7, graph);
            WriteField(o, 8, Message(op =>
            {
                op.WriteTag(1, WireFormat.WireType.LengthDelimited);
                op.WriteString("");
                op.WriteTag(2, WireFormat.WireType.Varint);
                op.WriteInt64(13);
            }));
        });

        File.WriteAllBytes(path, model);
    }

    /// <summary>The model's output for one NCHW image tensor, computed the same way in float32 where ORT would.</summary>
    public static double Expected(ReadOnlySpan<float> chw, int height, int width, float[] weights, float bias, bool sigmoid)
    {
        ArgumentNullException.ThrowIfNull(weights);
        double logit = bias;
        int plane = height * width;
        for (int c = 0; c < 3; c++)
        {
            double sum = 0;
            foreach (float v in chw.Slice(c * plane, plane))
            {
                sum += v;
            }

            logit += weights[c] * (sum / plane);
        }

        return sigmoid ? 1.0 / (1.0 + Math.Exp(-logit)) : logit;
    }

    private static (long? Value, string? Param) Dim(int? value, string? param) => (value, value is null ? param : null);

    private static byte[] Node(string op, string[] inputs, string[] outputs, params byte[][] attributes) => Message(o =>
    {
        foreach (string i in inputs)
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteString(i);
        }

        foreach (string x in outputs)
        {
            o.WriteTag(2, WireFormat.WireType.LengthDelimited);
            o.WriteString(x);
        }

        o.WriteTag(4, WireFormat.WireType.LengthDelimited);
        o.WriteString(op);
        foreach (byte[] a in attributes)
        {
            WriteField(o, 5, a);
        }
    });

    private static byte[] Attr(string name, long value) => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.LengthDelimited);
        o.WriteString(name);
        o.WriteTag(3, WireFormat.WireType.Varint);
        o.WriteInt64(value);
        o.WriteTag(20, WireFormat.WireType.Varint);
        o.WriteEnum(AttrInt);
    });

    private static byte[] Attr(string name, long[] values) => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.LengthDelimited);
        o.WriteString(name);
        foreach (long v in values)
        {
            o.WriteTag(8, WireFormat.WireType.Varint);
            o.WriteInt64(v);
        }

        o.WriteTag(20, WireFormat.WireType.Varint);
        o.WriteEnum(AttrInts);
    });

    private static byte[] Tensor(string name, long[] dims, float[] data) => Message(o =>
    {
        foreach (long d in dims)
        {
            o.WriteTag(1, WireFormat.WireType.Varint);
            o.WriteInt64(d);
        }

        o.WriteTag(2, WireFormat.WireType.Varint);
        o.WriteInt32(FloatType);
        o.WriteTag(8, WireFormat.WireType.LengthDelimited);
        o.WriteString(name);
        byte[] raw = new byte[data.Length * 4];
        Buffer.BlockCopy(data, 0, raw, 0, raw.Length);
        o.WriteTag(9, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(raw));
    });

    private static byte[] ValueInfo(string name, (long? Value, string? Param)[] dims) => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.LengthDelimited);
        o.WriteString(name);
        byte[] shape = Message(s =>
        {
            foreach ((long? value, string? param) in dims)
            {
                WriteField(s, 1, Message(d =>
                {
                    if (value is { } v)
                    {
                        d.WriteTag(1, WireFormat.WireType.Varint);
                        d.WriteInt64(v);
                    }
                    else
                    {
                        d.WriteTag(2, WireFormat.WireType.LengthDelimited);
                        d.WriteString(param ?? "?");
                    }
                }));
            }
        });
        byte[] tensorType = Message(t =>
        {
            t.WriteTag(1, WireFormat.WireType.Varint);
            t.WriteInt32(FloatType);
            WriteField(t, 2, shape);
        });
        WriteField(o, 2, Message(t => WriteField(t, 1, tensorType)));
    });

    private static void WriteField(CodedOutputStream o, int field, byte[] message)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(message));
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using MemoryStream stream = new();
        using (CodedOutputStream output = new(stream, leaveOpen: true))
        {
            write(output);
        }

        return stream.ToArray();
    }
}
