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
        return SignatureWith(header.Encode());
    }

    /// <summary>A COSE_Sign1 (tag 18) with this protected header (encoded) and an empty unprotected header.</summary>
    public static byte[] SignatureWith(byte[] protectedHeader) => SignatureWith(protectedHeader, static w =>
    {
        w.WriteStartMap(0);
        w.WriteEndMap();
    });

    public static byte[] SignatureWith(byte[] protectedHeader, Action<CborWriter> writeUnprotected)
        => Superbox("c2cs", "c2pa.signature", CborContent(w =>
        {
            w.WriteTag((CborTag)18);
            w.WriteStartArray(4);
            w.WriteByteString(protectedHeader);
            writeUnprotected(w);
            w.WriteNull();
            w.WriteByteString(new byte[64]);
            w.WriteEndArray();
        }));

    /// <summary>
    /// Rewrites a sequence of boxes (recursing into superboxes) with every box header in the long form (LBox = 1 and an
    /// 8-byte XLBox) and/or with LBox = 0 ("to the end of the enclosing data") on the last box of each level.
    /// </summary>
    public static byte[] Rewrite(byte[] boxes, bool longForm, bool zeroLast)
    {
        List<(string Type, byte[] Payload)> parsed = [];
        int pos = 0;
        while (pos < boxes.Length)
        {
            uint lbox = BinaryPrimitives.ReadUInt32BigEndian(boxes.AsSpan(pos));
            string type = Encoding.ASCII.GetString(boxes, pos + 4, 4);
            int header = lbox == 1 ? 16 : 8;
            int size = lbox switch
            {
                0 => boxes.Length - pos,
                1 => checked((int)BinaryPrimitives.ReadUInt64BigEndian(boxes.AsSpan(pos + 8))),
                _ => (int)lbox,
            };
            byte[] payload = boxes[(pos + header)..(pos + size)];
            parsed.Add((type, type == "jumb" ? Rewrite(payload, longForm, zeroLast) : payload));
            pos += size;
        }

        List<byte> result = [];
        for (int i = 0; i < parsed.Count; i++)
        {
            (string type, byte[] payload) = parsed[i];
            if (zeroLast && i == parsed.Count - 1)
            {
                result.AddRange(BoxWithDeclaredLength(type, payload, 0));
            }
            else if (longForm)
            {
                result.AddRange(LongBox(type, payload, (ulong)(16 + payload.Length)));
            }
            else
            {
                result.AddRange(Box(type, payload));
            }
        }

        return [.. result];
    }

    /// <summary>A box in the long form: LBox = 1, TBox, then the 8-byte XLBox <paramref name="declared"/>.</summary>
    public static byte[] LongBox(string type, byte[] payload, ulong declared)
    {
        byte[] box = new byte[16 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(box, 1);
        Encoding.ASCII.GetBytes(type, box.AsSpan(4));
        BinaryPrimitives.WriteUInt64BigEndian(box.AsSpan(8), declared);
        payload.CopyTo(box, 16);
        return box;
    }

    public static byte[] Manifest(string label, string generator, bool v2, params byte[][] assertions)
        => Superbox("c2ma", label, Superbox("c2as", "c2pa.assertions", assertions), Claim(generator, v2), Signature());

    public static byte[] Store(params byte[][] manifests) => Superbox("c2pa", "c2pa", manifests);

    /// <summary>A store with one manifest from <paramref name="generator"/> whose c2pa.actions declares <paramref name="sourceType"/>.</summary>
    public static byte[] AiStore(string generator = "ChatGPT", string sourceType = TrainedAlgorithmicMedia, bool v2 = false)
        => Store(Manifest("urn:uuid:11111111-2222-3333-4444-555555555555", generator, v2, Actions(v2 ? "c2pa.actions.v2" : "c2pa.actions", ("c2pa.created", sourceType, "DALL-E")), HashAssertion()));
}
