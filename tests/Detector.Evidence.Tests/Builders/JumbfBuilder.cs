using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Text;

namespace Detector.Evidence.Tests.Builders;

/// <summary>Writes JUMBF boxes and C2PA stores (claims, actions and COSE_Sign1 signatures encoded with CborWriter).</summary>
internal static class JumbfBuilder
{
    public static readonly byte[] C2paSuffix = [0x00, 0x11, 0x00, 0x10, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    public const string TrainedAlgorithmicMedia = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
    public const string CompositeWithTrained = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia";
    public const string DigitalCapture = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture";

    public static byte[] Box(string type, byte[] payload)
    {
        byte[] box = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(box, (uint)box.Length);
        Encoding.ASCII.GetBytes(type, box.AsSpan(4));
        payload.CopyTo(box, 8);
        return box;
    }

    /// <summary>A box whose LBox declares <paramref name="declared"/> bytes whatever its real size.</summary>
    public static byte[] BoxWithDeclaredLength(string type, byte[] payload, uint declared)
    {
        byte[] box = Box(type, payload);
        BinaryPrimitives.WriteUInt32BigEndian(box, declared);
        return box;
    }

    public static byte[] Description(string uuidPrefix, string? label, byte[]? suffix = null)
    {
        List<byte> payload = [.. Encoding.ASCII.GetBytes(uuidPrefix), .. suffix ?? C2paSuffix];
        payload.Add((byte)(label is null ? 0x01 : 0x03));
        if (label is not null)
        {
            payload.AddRange(Encoding.UTF8.GetBytes(label));
            payload.Add(0);
        }

        return Box("jumd", [.. payload]);
    }

    public static byte[] Superbox(string uuidPrefix, string? label, params byte[][] children)
        => Box("jumb", [.. Description(uuidPrefix, label), .. children.SelectMany(c => c)]);

    public static byte[] CborContent(Action<CborWriter> write)
    {
        CborWriter writer = new();
        write(writer);
        return Box("cbor", writer.Encode());
    }

    public static byte[] Claim(string? generatorName, bool v2 = false, string? claimGenerator = null)
    {
        return Superbox("c2cl", v2 ? "c2pa.claim.v2" : "c2pa.claim", CborContent(w =>
        {
            w.WriteStartMap(null);
            if (claimGenerator is not null)
            {
                w.WriteTextString("claim_generator");
                w.WriteTextString(claimGenerator);
            }

            if (generatorName is not null)
            {
                w.WriteTextString("claim_generator_info");
                if (!v2)
                {
                    w.WriteStartArray(1);
                }

                w.WriteStartMap(2);
                w.WriteTextString("name");
                w.WriteTextString(generatorName);
                w.WriteTextString("version");
                w.WriteTextString("1.0");
                w.WriteEndMap();
                if (!v2)
                {
                    w.WriteEndArray();
                }
            }

            w.WriteTextString("dc:title");
            w.WriteTextString("image.png");
            w.WriteTextString("instanceID");
            w.WriteTextString("xmp:iid:1234");
            w.WriteEndMap();
        }));
    }

    /// <summary>An actions assertion with one action per (action, digitalSourceType, softwareAgent).</summary>
    public static byte[] Actions(string label, params (string Action, string? SourceType, string? Agent)[] actions)
    {
        return Superbox("cbor", label, CborContent(w =>
        {
            w.WriteStartMap(1);
            w.WriteTextString("actions");
            w.WriteStartArray(actions.Length);
            foreach ((string action, string? sourceType, string? agent) in actions)
            {
                w.WriteStartMap(null);
                w.WriteTextString("action");
                w.WriteTextString(action);
                if (sourceType is not null)
                {
                    w.WriteTextString("digitalSourceType");
                    w.WriteTextString(sourceType);
                }

                if (agent is not null)
                {
                    w.WriteTextString("softwareAgent");
                    w.WriteStartMap(1);
                    w.WriteTextString("name");
                    w.WriteTextString(agent);
                    w.WriteEndMap();
                }

                w.WriteEndMap();
            }

            w.WriteEndArray();
            w.WriteEndMap();
        }));
    }

    public static byte[] HashAssertion() => Superbox("cbor", "c2pa.hash.data", CborContent(w =>
    {
        w.WriteStartMap(2);
        w.WriteTextString("alg");
        w.WriteTextString("sha256");
        w.WriteTextString("hash");
        w.WriteByteString(new byte[32]);
        w.WriteEndMap();
    }));

    /// <summary>A COSE_Sign1 (tag 18) whose protected header holds alg = <paramref name="alg"/>.</summary>
    public static byte[] Signature(int alg = -7)
    {
        CborWriter header = new();
        header.WriteStartMap(1);
        header.WriteInt32(1);
        header.WriteInt32(alg);
        header.WriteEndMap();
        byte[] protectedHeader = header.Encode();
        return Superbox("c2cs", "c2pa.signature", CborContent(w =>
        {
            w.WriteTag((CborTag)18);
            w.WriteStartArray(4);
            w.WriteByteString(protectedHeader);
            w.WriteStartMap(0);
            w.WriteEndMap();
            w.WriteNull();
            w.WriteByteString(new byte[64]);
            w.WriteEndArray();
        }));
    }

    public static byte[] Manifest(string label, string generator, bool v2, params byte[][] assertions)
        => Superbox("c2ma", label, Superbox("c2as", "c2pa.assertions", assertions), Claim(generator, v2), Signature());

    public static byte[] Store(params byte[][] manifests) => Superbox("c2pa", "c2pa", manifests);

    /// <summary>A store with one manifest from <paramref name="generator"/> whose c2pa.actions declares <paramref name="sourceType"/>.</summary>
    public static byte[] AiStore(string generator = "ChatGPT", string sourceType = TrainedAlgorithmicMedia, bool v2 = false)
        => Store(Manifest("urn:uuid:11111111-2222-3333-4444-555555555555", generator, v2, Actions(v2 ? "c2pa.actions.v2" : "c2pa.actions", ("c2pa.created", sourceType, "DALL-E")), HashAssertion()));
}
