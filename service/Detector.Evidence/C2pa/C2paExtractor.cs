using System.Globalization;
using System.Text.Json;
using Detector.Evidence.Internal;
using Detector.Evidence.Model;

namespace Detector.Evidence.C2pa;

/// <summary>
/// C2PA (Content Credentials): finds the store, walks its JUMBF boxes, decodes each manifest's claim (claim generator),
/// its actions assertions (digital source type) and the COSE_Sign1 protected header (algorithm). Nothing is verified:
/// findings say "not verified" and never call a signer trusted.
/// </summary>
internal sealed class C2paExtractor : IEvidenceExtractor
{
    public string Name => "c2pa";

    public void Extract(AnalysisContext context, FindingSink sink, WorkBudget budget)
    {
        foreach (C2paStore store in C2paStoreLocator.Locate(context, sink, budget))
        {
            ReadStore(context, store, sink, budget);
        }
    }

    private static void ReadStore(AnalysisContext context, C2paStore store, FindingSink sink, WorkBudget budget)
    {
        JumbfReader reader = new(context.Options.MaxJumbfDepth, context.Options.MaxJumbfBoxes, budget);
        List<JumbfBox> top = reader.Read(store.Data.Span);
        foreach (JumbfIssue issue in reader.Issues)
        {
            Malformed(context, store, sink, issue.Offset, issue.Message, issue.Text);
        }

        if (top.Count == 0)
        {
            if (reader.Issues.Count == 0)
            {
                Malformed(context, store, sink, 0, "the store is empty");
            }

            return;
        }

        JumbfBox root = top[0];
        if (!root.IsSuperbox)
        {
            Malformed(context, store, sink, root.Offset, $"the store starts with a '{root.Type}' box, not a JUMBF superbox");
            return;
        }

        if (root.Description is null)
        {
            return;
        }

        if (root.Description.UuidPrefix != "c2pa" || !root.Description.IsC2paFamily)
        {
            Malformed(context, store, sink, root.Offset, $"the top superbox has UUID {root.Description.Uuid}, not the C2PA store UUID 63327061-0011-0010-8000-00aa00389b71");
            return;
        }

        List<JumbfBox> manifests = [];
        foreach (JumbfBox child in root.Children)
        {
            if (child.IsSuperbox && child.Description is { UuidPrefix: "c2ma" or "c2um" })
            {
                manifests.Add(child);
            }
        }

        if (manifests.Count == 0)
        {
            Malformed(context, store, sink, root.Offset, "the store holds no manifest superbox");
            return;
        }

        for (int i = 0; i < manifests.Count; i++)
        {
            budget.Check();
            ReadManifest(context, store, manifests[i], i == manifests.Count - 1, manifests.Count, sink, budget);
        }
    }

    private static void ReadManifest(AnalysisContext context, C2paStore store, JumbfBox manifest, bool active, int manifestCount, FindingSink sink, WorkBudget budget)
    {
        string label = manifest.Label ?? "(unlabelled)";
        string role = active ? "active" : "ingredient";
        string segment = $"{store.Segment} c2pa/{label}";

        // Claim: generator and version.
        string generator = "an unnamed generator";
        string? claimGenerator = null;
        string? generatorInfo = null;
        string? title = null;
        string? claimVersion = null;
        JumbfBox? claimBox = manifest.ChildByUuid("c2cl");
        if (claimBox is null)
        {
            Malformed(context, store, sink, manifest.Offset, $"manifest '{label}' has no claim box");
        }
        else
        {
            claimVersion = claimBox.Label == "c2pa.claim.v2" ? "2" : "1";
            CborMap? claim = DecodeContent(context, store, claimBox, sink, budget) as CborMap;
            if (claim is not null)
            {
                claimGenerator = Label(claim["claim_generator"]);
                generatorInfo = GeneratorInfo(claim["claim_generator_info"]);
                title = Label(claim["dc:title"]);
                generator = generatorInfo ?? claimGenerator ?? generator;
            }
        }

        // Signature: presence and algorithm only.
        string signature = "absent";
        JumbfBox? signatureBox = manifest.ChildByUuid("c2cs");
        if (signatureBox is null)
        {
            Malformed(context, store, sink, manifest.Offset, $"manifest '{label}' has no signature box");
        }
        else
        {
            signature = ReadSignature(context, store, signatureBox, label, generator, sink, budget);
        }

        // Assertions: list labels; decode actions.
        List<string> assertionLabels = [];
        JumbfBox? assertionStore = manifest.ChildByUuid("c2as");
        if (assertionStore is not null)
        {
            foreach (JumbfBox assertion in assertionStore.Children)
            {
                budget.Check();
                if (!assertion.IsSuperbox)
                {
                    continue;
                }

                string assertionLabel = assertion.Label ?? "(unlabelled)";
                if (assertionLabels.Count < 64)
                {
                    assertionLabels.Add(assertionLabel);
                }

                if (assertionLabel.StartsWith("c2pa.actions", StringComparison.Ordinal))
                {
                    ReadActions(context, store, assertion, label, role, generator, signature, sink, budget);
                }
            }
        }
        else
        {
            Malformed(context, store, sink, manifest.Offset, $"manifest '{label}' has no assertion store");
        }

        sink.Add(
            FindingKinds.C2paManifest,
            FindingStrength.NeutralFact,
            $"C2PA manifest ({role}, {manifestCount} in the store) written by {generator}; signature {signature}.",
            context.At(segment, store.FileOffset(manifest.Offset)),
            ("manifest", label),
            ("role", role),
            ("claim_generator", claimGenerator),
            ("claim_generator_info", generatorInfo),
            ("claim_version", claimVersion),
            ("title", title),
            ("assertions", string.Join(", ", assertionLabels)),
            ("signature", signature));
    }

    private static void ReadActions(AnalysisContext context, C2paStore store, JumbfBox assertion, string manifestLabel, string role, string generator, string signature, FindingSink sink, WorkBudget budget)
    {
        CborNode? content = DecodeContent(context, store, assertion, sink, budget);
        if (content is null)
        {
            return;
        }

        string segment = $"{store.Segment} c2pa/{manifestLabel}/c2pa.assertions/{assertion.Label}";
        long offset = store.FileOffset(assertion.Offset);
        if (content["actions"] is not CborArray actions)
        {
            Malformed(context, store, sink, assertion.Offset, $"assertion '{assertion.Label}' has no 'actions' array");
            return;
        }

        int reported = 0;
        foreach (CborNode node in actions.Items)
        {
            budget.Check();
            if (node is not CborMap action)
            {
                continue;
            }

            string actionName = Label(action["action"]) ?? "(no action name)";
            string? sourceType = action["digitalSourceType"]?.AsText;
            string? agent = SoftwareAgent(action["softwareAgent"]);
            string? description = Label(action["description"]);
            if (sourceType is not null)
            {
                SourceTypeMeaning meaning = DigitalSourceTypes.Classify(sourceType);
                string term = DigitalSourceTypes.Term(sourceType);
                if (meaning is SourceTypeMeaning.AiGenerated or SourceTypeMeaning.AiEdited or SourceTypeMeaning.Algorithmic)
                {
                    string where = role == "active" ? string.Empty : " (in an ingredient manifest: an earlier version of this image)";
                    sink.Add(
                        FindingKinds.C2paAiSourceType,
                        DigitalSourceTypes.StrengthOf(meaning),
                        $"C2PA manifest from {generator} declares {term}{where}.",
                        context.At(segment, offset),
                        ("digital_source_type", sourceType),
                        ("meaning", DigitalSourceTypes.Explain(meaning)),
                        ("action", actionName),
                        ("software_agent", agent),
                        ("generator", generator),
                        ("manifest", manifestLabel),
                        ("role", role),
                        ("signature", signature));
                    continue;
                }
            }

            if (reported++ < 32)
            {
                string summary = sourceType is null
                    ? $"C2PA action {actionName}{(agent is null ? string.Empty : " by " + agent)}."
                    : $"C2PA action {actionName} declares {DigitalSourceTypes.Term(sourceType)} ({DigitalSourceTypes.Explain(DigitalSourceTypes.Classify(sourceType))}).";
                sink.Add(FindingKinds.C2paAction, FindingStrength.NeutralFact, summary, context.At(segment, offset), ("action", actionName), ("digital_source_type", sourceType), ("software_agent", agent), ("description", description), ("manifest", manifestLabel), ("role", role));
            }
        }
    }

    private static string ReadSignature(AnalysisContext context, C2paStore store, JumbfBox signatureBox, string manifestLabel, string generator, FindingSink sink, WorkBudget budget)
    {
        CborNode? node = DecodeContent(context, store, signatureBox, sink, budget);
        if (node is CborTagged { Tag: 18 } tagged)
        {
            node = tagged.Inner;
        }

        string segment = $"{store.Segment} c2pa/{manifestLabel}/c2pa.signature";
        long offset = store.FileOffset(signatureBox.Offset);
        if (node is not CborArray { Items.Count: 4 } sign1 || sign1.Items[0] is not CborBytes protectedBytes)
        {
            if (node is not null)
            {
                Malformed(context, store, sink, signatureBox.Offset, "the signature is not a COSE_Sign1 array of four items");
            }

            return "present but unreadable, not verified";
        }

        ReadOnlyMemory<byte> protectedMemory = protectedBytes.Offset >= 0
            ? SliceContent(store, signatureBox, protectedBytes)
            : protectedBytes.Copy;
        CborDecodeResult header = CborTree.Decode(protectedMemory, context.Options.MaxStructureDepth, context.Options.MaxCborItems, budget);
        string algorithm = "unknown";
        string? subject = null;
        string? issuer = null;
        if (header.Root is CborMap protectedMap)
        {
            algorithm = AlgorithmName(protectedMap.ByInteger(1));
            (subject, issuer) = Certificate(protectedMap.ByInteger(33), protectedMemory);
        }
        else
        {
            Malformed(context, store, sink, signatureBox.Offset, "the COSE_Sign1 protected header is not a CBOR map");
        }

        if (subject is null && sign1.Items[1] is CborMap unprotectedMap)
        {
            CborNode? chain = unprotectedMap.ByInteger(33) ?? unprotectedMap["x5chain"];
            (subject, issuer) = Certificate(chain, ContentMemory(store, signatureBox));
        }

        int signatureLength = sign1.Items[3] is CborBytes sig ? sig.Length : 0;
        sink.Add(
            FindingKinds.C2paSignature,
            FindingStrength.NeutralFact,
            $"C2PA claim signature present (algorithm {algorithm}) for the manifest from {generator}; not verified, and the signer was not evaluated for trust.",
            context.At(segment, offset),
            ("algorithm", algorithm),
            ("signature_bytes", signatureLength.ToString(CultureInfo.InvariantCulture)),
            ("certificate_subject_unverified", subject),
            ("certificate_issuer_unverified", issuer),
            ("verification", "not verified"),
            ("trust", "not evaluated"),
            ("manifest", manifestLabel));
        return $"present ({algorithm}), not verified";
    }

    private static (string? Subject, string? Issuer) Certificate(CborNode? chain, ReadOnlyMemory<byte> container)
    {
        CborBytes? leaf = chain switch
        {
            CborBytes single => single,
            CborArray { Items.Count: > 0 } array => array.Items[0] as CborBytes,
            _ => null,
        };
        if (leaf is null || leaf.Length is 0 or > 64 * 1024)
        {
            return (null, null);
        }

        ReadOnlyMemory<byte> der = leaf.Offset >= 0 && leaf.Offset + leaf.Length <= container.Length ? container.Slice(leaf.Offset, leaf.Length) : leaf.Copy;
        if (der.IsEmpty)
        {
            return (null, null);
        }

        try
        {
            using System.Security.Cryptography.X509Certificates.X509Certificate2 certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(der.Span);
            return (certificate.Subject, certificate.Issuer);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return ("(certificate present but unreadable)", null);
        }
    }

    private static string AlgorithmName(CborNode? alg)
    {
        if (alg is CborText text)
        {
            return text.Value;
        }

        if (alg is not CborInteger integer)
        {
            return "unknown";
        }

        // A CBOR integer can be far outside int (BigInteger's explicit conversion throws); those are no known algorithm.
        if (integer.Value < int.MinValue || integer.Value > int.MaxValue)
        {
            return "COSE algorithm " + integer;
        }

        return (int)integer.Value switch
        {
            -7 => "ES256",
            -35 => "ES384",
            -36 => "ES512",
            -37 => "PS256",
            -38 => "PS384",
            -39 => "PS512",
            -8 => "EdDSA",
            -257 => "RS256",
            _ => "COSE algorithm " + integer,
        };
    }

    private static string? GeneratorInfo(CborNode? info)
    {
        CborMap? map = info switch
        {
            CborMap single => single,
            CborArray { Items.Count: > 0 } array => array.Items[0] as CborMap,
            _ => null,
        };
        if (map is null)
        {
            return null;
        }

        string? name = Label(map["name"]);
        string? version = Label(map["version"]);
        if (name is null)
        {
            return null;
        }

        return version is null ? name : name + " " + version;
    }

    private static string? SoftwareAgent(CborNode? agent) => agent switch
    {
        CborText => Label(agent),
        CborMap map => Label(map["name"]) is { } name ? (Label(map["version"]) is { } version ? name + " " + version : name) : null,
        _ => null,
    };

    /// <summary>
    /// Text for summaries and values: invalid UTF-8 is shown as <c>\xHH</c> and said so, never as U+FFFD (a
    /// malformed finding from <see cref="ReportInvalidText"/> gives its offset).
    /// </summary>
    private static string? Label(CborNode? node) => node is CborText text ? (text.Escaped is null ? text.Value : Bytes.MarkedNotUtf8(text.Escaped)) : null;

    /// <summary>A malformed finding for each text string (up to 8 per box) whose bytes are not valid UTF-8, named by its map key.</summary>
    private static void ReportInvalidText(AnalysisContext context, C2paStore store, JumbfBox superbox, int contentOffset, CborNode root, FindingSink sink, WorkBudget budget)
    {
        int reported = 0;
        Stack<(CborNode Node, string Field)> pending = new();
        pending.Push((root, "(top level)"));
        while (pending.Count > 0 && reported < 8)
        {
            budget.Check();
            (CborNode node, string field) = pending.Pop();
            switch (node)
            {
                case CborText { Escaped: { } escaped } text:
                    {
                        reported++;
                        int storeOffset = contentOffset + text.Offset;
                        long offset = store.FileOffset(storeOffset);
                        string problem = Bytes.NotUtf8Problem($"text of '{field}' in '{superbox.Label ?? "(unlabelled)"}'", escaped);
                        sink.Add(FindingKinds.C2paMalformed, FindingStrength.Malformed, $"C2PA store present but malformed at offset {offset}: {problem}.", context.At(store.Segment, offset), ("problem", problem), ("store_offset", storeOffset.ToString(CultureInfo.InvariantCulture)), ("field", field), ("text", escaped));
                        break;
                    }

                case CborTagged tagged:
                    pending.Push((tagged.Inner, field));
                    break;
                case CborArray array:
                    for (int i = array.Items.Count - 1; i >= 0; i--)
                    {
                        pending.Push((array.Items[i], field));
                    }

                    break;
                case CborMap map:
                    for (int i = map.Entries.Count - 1; i >= 0; i--)
                    {
                        KeyValuePair<CborNode, CborNode> entry = map.Entries[i];
                        pending.Push((entry.Value, Label(entry.Key) ?? field));
                        pending.Push((entry.Key, "(a map key)"));
                    }

                    break;
            }
        }
    }

    /// <summary>Decodes the superbox's CBOR (or JSON) content box; malformed content becomes a finding and null.</summary>
    private static CborNode? DecodeContent(AnalysisContext context, C2paStore store, JumbfBox superbox, FindingSink sink, WorkBudget budget)
    {
        JumbfBox? cbor = superbox.Content("cbor");
        if (cbor is not null)
        {
            ReadOnlyMemory<byte> memory = store.Data.Slice(cbor.PayloadOffset, cbor.PayloadLength);
            CborDecodeResult result = CborTree.Decode(memory, context.Options.MaxStructureDepth, context.Options.MaxCborItems, budget);
            if (result.Root is null)
            {
                Malformed(context, store, sink, cbor.PayloadOffset + result.ErrorOffset, $"'{superbox.Label}' holds {result.Error}");
            }
            else
            {
                ReportInvalidText(context, store, superbox, cbor.PayloadOffset, result.Root, sink, budget);
            }

            return result.Root;
        }

        JumbfBox? json = superbox.Content("json");
        if (json is not null)
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(store.Data.Slice(json.PayloadOffset, json.PayloadLength), new JsonDocumentOptions { MaxDepth = context.Options.MaxStructureDepth });
                int items = 0;
                return JsonToNode(document.RootElement, 0, context.Options.MaxStructureDepth, context.Options.MaxCborItems, ref items);
            }
            catch (JsonException)
            {
                Malformed(context, store, sink, json.PayloadOffset, $"'{superbox.Label}' holds invalid JSON");
                return null;
            }
        }

        Malformed(context, store, sink, superbox.Offset, $"'{superbox.Label}' has no CBOR or JSON content box");
        return null;
    }

    private static ReadOnlyMemory<byte> ContentMemory(C2paStore store, JumbfBox superbox)
    {
        JumbfBox? cbor = superbox.Content("cbor");
        return cbor is null ? ReadOnlyMemory<byte>.Empty : store.Data.Slice(cbor.PayloadOffset, cbor.PayloadLength);
    }

    private static ReadOnlyMemory<byte> SliceContent(C2paStore store, JumbfBox superbox, CborBytes bytes)
    {
        ReadOnlyMemory<byte> content = ContentMemory(store, superbox);
        return bytes.Offset + bytes.Length <= content.Length ? content.Slice(bytes.Offset, bytes.Length) : ReadOnlyMemory<byte>.Empty;
    }

    private static CborNode? JsonToNode(JsonElement element, int depth, int maxDepth, int maxItems, ref int items)
    {
        if (depth > maxDepth || ++items > maxItems)
        {
            return null;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                List<KeyValuePair<CborNode, CborNode>> entries = [];
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    CborNode? value = JsonToNode(property.Value, depth + 1, maxDepth, maxItems, ref items);
                    if (value is not null)
                    {
                        entries.Add(new KeyValuePair<CborNode, CborNode>(new CborText(property.Name), value));
                    }
                }

                return new CborMap(entries);
            case JsonValueKind.Array:
                List<CborNode> list = [];
                foreach (JsonElement item in element.EnumerateArray())
                {
                    CborNode? value = JsonToNode(item, depth + 1, maxDepth, maxItems, ref items);
                    if (value is not null)
                    {
                        list.Add(value);
                    }
                }

                return new CborArray(list);
            case JsonValueKind.String:
                return new CborText(element.GetString() ?? string.Empty);
            default:
                return new CborSimple(element.GetRawText());
        }
    }

    /// <summary>A malformed finding; <paramref name="text"/> is, for text that is not valid UTF-8, its exact bytes with the invalid ones as <c>\xHH</c>.</summary>
    private static void Malformed(AnalysisContext context, C2paStore store, FindingSink sink, int storeOffset, string message, string? text = null)
    {
        long offset = store.FileOffset(storeOffset);
        sink.Add(FindingKinds.C2paMalformed, FindingStrength.Malformed, $"C2PA store present but malformed at offset {offset}: {message}.", context.At(store.Segment, offset), ("problem", message), ("store_offset", storeOffset.ToString(CultureInfo.InvariantCulture)), ("text", text));
    }
}
