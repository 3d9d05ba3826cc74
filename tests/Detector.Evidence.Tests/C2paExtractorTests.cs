using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Detector.Evidence.Model;
using Detector.Evidence.Tests.Builders;
using static Detector.Evidence.Tests.EvidenceAssert;

namespace Detector.Evidence.Tests;

public class C2paExtractorTests
{
    [Fact]
    public void Jpeg_SingleApp11Store_ReportsTrainedAlgorithmicMediaAsProof()
    {
        byte[] jpeg = JpegBuilder.Simple(b => b.Jumbf(JumbfBuilder.AiStore("ChatGPT")));

        EvidenceReport report = Analyze(jpeg);

        Finding ai = Single(report, FindingKinds.C2paAiSourceType);
        Assert.Equal(FindingStrength.ProofOfAiGeneration, ai.Strength);
        Assert.Equal("C2PA manifest from ChatGPT 1.0 declares trainedAlgorithmicMedia.", ai.Summary);
        Assert.Equal(JumbfBuilder.TrainedAlgorithmicMedia, ai.ValueOf("digital_source_type"));
        Assert.Equal("DALL-E", ai.ValueOf("software_agent"));
        Assert.Equal("c2pa.created", ai.ValueOf("action"));
        Assert.Equal("active", ai.ValueOf("role"));
        Assert.Equal("JPEG", ai.Location.Container);
        Assert.StartsWith("APP11 c2pa/urn:uuid:", ai.Location.Segment, StringComparison.Ordinal);
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void Jpeg_StoreSplitOverManySegments_IsReassembled()
    {
        byte[] store = JumbfBuilder.AiStore("Adobe Firefly");
        byte[] jpeg = JpegBuilder.Simple(b => b.Jumbf(store, maxBoxBytesPerSegment: 100));

        EvidenceReport report = Analyze(jpeg);

        Finding ai = Single(report, FindingKinds.C2paAiSourceType);
        Assert.Contains("Adobe Firefly", ai.Summary, StringComparison.Ordinal);
        Finding manifest = Single(report, FindingKinds.C2paManifest);
        Assert.Matches(@"^APP11 \(\d+ segments\)", manifest.Location.Segment);
        None(report, FindingKinds.C2paMalformed);
    }

    [Fact]
    public void Jpeg_MissingContinuationSegment_ReportsMalformedSequence()
    {
        byte[] store = JumbfBuilder.AiStore();
        byte[] full = JpegBuilder.Simple(b => b.Jumbf(store, maxBoxBytesPerSegment: 100));

        // Rewrite the sequence number of the second APP11 segment (Z = 2) to 3.
        int second = IndexOfNth(full, [0xFF, 0xEB], 2);
        BinaryPrimitives.WriteUInt32BigEndian(full.AsSpan(second + 4 + 4), 3);
        EvidenceReport report = Analyze(full);

        Finding malformed = Any(report, FindingKinds.C2paMalformed, f => f.Summary.Contains("sequence number", StringComparison.Ordinal));
        Assert.StartsWith("C2PA store present but malformed at offset ", malformed.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Png_CabxChunk_ReportsV2ClaimGeneratorAndActionsV2()
    {
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.AiStore("GPT-4o", v2: true)));

        EvidenceReport report = Analyze(png);

        Finding ai = Single(report, FindingKinds.C2paAiSourceType);
        Assert.Contains("GPT-4o 1.0", ai.Summary, StringComparison.Ordinal);
        Assert.Contains("c2pa.actions.v2", ai.Location.Segment, StringComparison.Ordinal);
        Assert.Equal("2", Single(report, FindingKinds.C2paManifest).ValueOf("claim_version"));
    }

    [Fact]
    public void WebP_C2paChunk_IsRead()
    {
        byte[] webp = RiffBuilder.WebP(("C2PA", JumbfBuilder.AiStore("Bing Image Creator")));

        EvidenceReport report = Analyze(webp);

        Assert.Contains("Bing Image Creator", Single(report, FindingKinds.C2paAiSourceType).Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Signature_ReportsAlgorithmAndNeverClaimsValidity()
    {
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.AiStore()));

        EvidenceReport report = Analyze(png);

        Finding signature = Single(report, FindingKinds.C2paSignature);
        Assert.Equal("ES256", signature.ValueOf("algorithm"));
        Assert.Equal("not verified", signature.ValueOf("verification"));
        Assert.Equal("not evaluated", signature.ValueOf("trust"));
        Assert.Contains("not verified", signature.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("trusted", signature.Summary.Replace("not evaluated for trust", string.Empty, StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("present (ES256), not verified", Single(report, FindingKinds.C2paAiSourceType).ValueOf("signature"));
    }

    [Fact]
    public void CompositeWithTrainedAlgorithmicMedia_IsProofOfAiEditing()
    {
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.AiStore("Adobe Photoshop", JumbfBuilder.CompositeWithTrained)));

        Finding ai = Single(Analyze(png), FindingKinds.C2paAiSourceType);

        Assert.Equal(FindingStrength.ProofOfAiEditing, ai.Strength);
    }

    [Fact]
    public void DigitalCaptureAction_IsNeutral()
    {
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.AiStore("Camera", JumbfBuilder.DigitalCapture)));

        EvidenceReport report = Analyze(png);

        None(report, FindingKinds.C2paAiSourceType);
        Assert.Equal(FindingStrength.NeutralFact, Single(report, FindingKinds.C2paAction).Strength);
    }

    [Fact]
    public void TwoManifests_AiIngredientBeforeActiveEdit_ReportsRoles()
    {
        byte[] ingredient = JumbfBuilder.Manifest("urn:uuid:a", "DALL-E", false, JumbfBuilder.Actions("c2pa.actions", ("c2pa.created", JumbfBuilder.TrainedAlgorithmicMedia, null)));
        byte[] active = JumbfBuilder.Manifest("urn:uuid:b", "Photoshop", false, JumbfBuilder.Actions("c2pa.actions", ("c2pa.opened", null, null), ("c2pa.color_adjustments", null, null)));
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.Store(ingredient, active)));

        EvidenceReport report = Analyze(png);

        Finding ai = Single(report, FindingKinds.C2paAiSourceType);
        Assert.Equal("ingredient", ai.ValueOf("role"));
        Assert.Contains("ingredient manifest", ai.Summary, StringComparison.Ordinal);
        Assert.Equal(2, report.Findings.Count(f => f.Kind == FindingKinds.C2paManifest));
        Assert.Contains(report.Findings, f => f.Kind == FindingKinds.C2paManifest && f.ValueOf("role") == "active" && f.ValueOf("claim_generator_info") == "Photoshop 1.0");
    }

    [Fact]
    public void TruncatedBox_ReportsMalformedAtFileOffset()
    {
        byte[] store = JumbfBuilder.AiStore();
        byte[] truncated = store[..(store.Length - 40)];
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", truncated));

        EvidenceReport report = Analyze(png);

        Finding malformed = Any(report, FindingKinds.C2paMalformed);
        Assert.StartsWith("C2PA store present but malformed at offset ", malformed.Summary, StringComparison.Ordinal);
        Assert.True(malformed.Location.Offset >= 41);
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void LengthPastEndOfParent_ReportsMalformed()
    {
        byte[] inner = JumbfBuilder.BoxWithDeclaredLength("cbor", [1, 2, 3], 5000);
        byte[] store = JumbfBuilder.Superbox("c2pa", "c2pa", inner);
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", store));

        EvidenceReport report = Analyze(png);

        Assert.Contains(report.Findings, f => f.Kind == FindingKinds.C2paMalformed && f.Summary.Contains("declares length 5000, past the end of its parent", StringComparison.Ordinal));
    }

    [Fact]
    public void GiantExtendedLength_ReportsMalformed()
    {
        byte[] box = new byte[16 + 4];
        BinaryPrimitives.WriteUInt32BigEndian(box, 1);
        "jumb"u8.CopyTo(box.AsSpan(4));
        BinaryPrimitives.WriteUInt64BigEndian(box.AsSpan(8), ulong.MaxValue);
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", box));

        EvidenceReport report = Analyze(png);

        Assert.Contains(report.Findings, f => f.Kind == FindingKinds.C2paMalformed && f.Summary.Contains("past the end", StringComparison.Ordinal));
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void WrongStoreUuid_ReportsMalformed()
    {
        byte[] store = JumbfBuilder.Box("jumb", [.. JumbfBuilder.Description("c2pa", "c2pa", suffix: new byte[12]), .. JumbfBuilder.Manifest("m", "x", false)]);
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", store));

        EvidenceReport report = Analyze(png);

        Assert.Contains(report.Findings, f => f.Kind == FindingKinds.C2paMalformed && f.Summary.Contains("UUID", StringComparison.Ordinal));
        None(report, FindingKinds.C2paManifest);
    }

    [Fact]
    public void AbsurdNestingDepth_StopsAtDepthLimit()
    {
        byte[] box = JumbfBuilder.Box("cbor", [0xA0]);
        for (int i = 0; i < 5000; i++)
        {
            box = JumbfBuilder.Superbox("c2pa", null, box);
        }

        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", box));

        EvidenceReport report = Analyze(png);

        Assert.Contains(report.Findings, f => f.Kind == FindingKinds.C2paMalformed && f.Summary.Contains("nesting deeper than 16", StringComparison.Ordinal));
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void DeeplyNestedCbor_StopsAtDepthLimit()
    {
        byte[] cbor = [.. Enumerable.Repeat((byte)0x81, 100_000), 0x00];
        byte[] claim = JumbfBuilder.Superbox("c2cl", "c2pa.claim", JumbfBuilder.Box("cbor", cbor));
        byte[] manifest = JumbfBuilder.Superbox("c2ma", "m", JumbfBuilder.Superbox("c2as", "c2pa.assertions"), claim, JumbfBuilder.Signature());
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.Store(manifest)));

        EvidenceReport report = Analyze(png);

        Assert.Contains(report.Findings, f => f.Kind == FindingKinds.C2paMalformed && f.Summary.Contains("CBOR nesting deeper than", StringComparison.Ordinal));
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void CborWithGiantDeclaredArray_IsMalformedNotAllocated()
    {
        // Array header declaring 2^63 items, followed by nothing.
        byte[] cbor = [0x9B, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        byte[] actions = JumbfBuilder.Superbox("cbor", "c2pa.actions", JumbfBuilder.Box("cbor", cbor));
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.Store(JumbfBuilder.Manifest("m", "x", false, actions))));

        EvidenceReport report = Analyze(png);

        Assert.Contains(report.Findings, f => f.Kind == FindingKinds.C2paMalformed && f.Summary.Contains("c2pa.actions", StringComparison.Ordinal));
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void ManifestWithoutSignature_ReportsMalformed()
    {
        byte[] manifest = JumbfBuilder.Superbox("c2ma", "m", JumbfBuilder.Superbox("c2as", "c2pa.assertions"), JumbfBuilder.Claim("x"));
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.Store(manifest)));

        EvidenceReport report = Analyze(png);

        Assert.Contains(report.Findings, f => f.Kind == FindingKinds.C2paMalformed && f.Summary.Contains("no signature box", StringComparison.Ordinal));
        Assert.Equal("absent", Single(report, FindingKinds.C2paManifest).ValueOf("signature"));
    }

    [Fact]
    public void NonC2paJumbfInApp11_IsNeutral()
    {
        byte[] other = JumbfBuilder.Superbox("xxxx", "other", JumbfBuilder.Box("json", "{}"u8.ToArray()));
        byte[] jpeg = JpegBuilder.Simple(b => b.Jumbf(other));

        EvidenceReport report = Analyze(jpeg);

        Assert.Equal(FindingStrength.NeutralFact, Single(report, FindingKinds.JumbfOther).Strength);
        None(report, FindingKinds.C2paManifest);
    }

    [Fact]
    public void SignatureAlgorithmOutsideInt32_IsReportedAndActionsStillRead()
    {
        // COSE alg -2^40 - 1: a CBOR integer that does not fit in an int. The manifest's actions come after the signature.
        CborWriter header = new();
        header.WriteStartMap(1);
        header.WriteInt32(1);
        header.WriteInt64(-(1L << 40) - 1);
        header.WriteEndMap();
        byte[] signature = JumbfBuilder.SignatureWith(header.Encode());
        byte[] manifest = JumbfBuilder.Superbox(
            "c2ma",
            "m",
            JumbfBuilder.Superbox("c2as", "c2pa.assertions", JumbfBuilder.Actions("c2pa.actions", ("c2pa.created", JumbfBuilder.TrainedAlgorithmicMedia, null))),
            JumbfBuilder.Claim("x"),
            signature);
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.Store(manifest)));

        EvidenceReport report = Analyze(png);

        Assert.Equal("COSE algorithm -1099511627777", Single(report, FindingKinds.C2paSignature).ValueOf("algorithm"));
        Assert.Equal(FindingStrength.ProofOfAiGeneration, Single(report, FindingKinds.C2paAiSourceType).Strength);
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void Jpeg_StoreOverSeveralSegments_FindingOffsetsPointAtTheBoxInTheFile()
    {
        byte[] store = JumbfBuilder.AiStore("Adobe Firefly");
        byte[] jpeg = JpegBuilder.Simple(b => b.Jumbf(store, maxBoxBytesPerSegment: 100));

        EvidenceReport report = Analyze(jpeg);

        // The actions assertion lies past the first 100 store bytes, so in a continuation segment: its offset must be the
        // superbox's LBox in the file, whose TBox 'jumb' follows, then its jumd with the 'cbor' assertion UUID.
        long offset = Single(report, FindingKinds.C2paAiSourceType).Location.Offset!.Value;
        Assert.True(offset > IndexOfNth(jpeg, [0xFF, 0xEB], 2), $"offset {offset} should be in a continuation segment");
        Assert.Equal("jumb"u8.ToArray(), jpeg[(int)(offset + 4)..(int)(offset + 8)]);
        Assert.Equal("jumd"u8.ToArray(), jpeg[(int)(offset + 12)..(int)(offset + 16)]);
        Assert.Equal("cbor"u8.ToArray(), jpeg[(int)(offset + 16)..(int)(offset + 20)]);
        long manifest = Single(report, FindingKinds.C2paManifest).Location.Offset!.Value;
        Assert.Equal("c2ma"u8.ToArray(), jpeg[(int)(manifest + 16)..(int)(manifest + 20)]);
    }

    [Fact]
    public void UpdateManifest_C2um_IsReadAsAManifest()
    {
        byte[] update = JumbfBuilder.Superbox(
            "c2um",
            "urn:uuid:u",
            JumbfBuilder.Superbox("c2as", "c2pa.assertions", JumbfBuilder.Actions("c2pa.actions", ("c2pa.created", JumbfBuilder.TrainedAlgorithmicMedia, null))),
            JumbfBuilder.Claim("Updater"),
            JumbfBuilder.Signature());
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.Store(update)));

        EvidenceReport report = Analyze(png);

        Assert.Equal("active", Single(report, FindingKinds.C2paManifest).ValueOf("role"));
        Assert.Equal(FindingStrength.ProofOfAiGeneration, Single(report, FindingKinds.C2paAiSourceType).Strength);
    }

    [Fact]
    public void Signature_X5chainInProtectedHeader_ReportsLeafSubjectAndIssuerAsUnverified()
    {
        (byte[] leaf, byte[] ca) = LeafAndCa();
        CborWriter header = new();
        header.WriteStartMap(2);
        header.WriteInt32(1);
        header.WriteInt32(-7);
        header.WriteInt32(33);
        header.WriteStartArray(2);
        header.WriteByteString(leaf);
        header.WriteByteString(ca);
        header.WriteEndArray();
        header.WriteEndMap();
        byte[] signature = JumbfBuilder.SignatureWith(header.Encode());
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", StoreWithSignature(signature)));

        EvidenceReport report = Analyze(png);

        Finding f = Single(report, FindingKinds.C2paSignature);
        Assert.Equal(FindingStrength.NeutralFact, f.Strength);
        Assert.Equal("ES256", f.ValueOf("algorithm"));
        Assert.Equal("CN=Example Signer, O=Example Generator Inc., C=US", f.ValueOf("certificate_subject_unverified"));
        Assert.Equal("CN=Detector Test CA, O=Detector Tests", f.ValueOf("certificate_issuer_unverified"));
        Assert.Equal("not verified", f.ValueOf("verification"));
        Assert.Equal("not evaluated", f.ValueOf("trust"));
        Assert.DoesNotContain(f.Values, v => v.Key is "certificate_subject" or "certificate_issuer");
        Assert.Equal("C2PA claim signature present (algorithm ES256) for the manifest from Test 1.0; not verified, and the signer was not evaluated for trust.", f.Summary);
        None(report, FindingKinds.C2paMalformed);
    }

    [Fact]
    public void Signature_SelfSignedX5chainInUnprotectedHeader_ReportsSubjectAndIssuer()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        CertificateRequest request = new("CN=Self Signed Generator, O=Nobody", key, HashAlgorithmName.SHA256);
        using X509Certificate2 self = request.CreateSelfSigned(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        CborWriter header = new();
        header.WriteStartMap(1);
        header.WriteInt32(1);
        header.WriteInt32(-35);
        header.WriteEndMap();
        byte[] signature = JumbfBuilder.SignatureWith(header.Encode(), w =>
        {
            // A single certificate as one byte string under the text label, as older writers used.
            w.WriteStartMap(1);
            w.WriteTextString("x5chain");
            w.WriteByteString(self.RawData);
            w.WriteEndMap();
        });
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", StoreWithSignature(signature)));

        Finding f = Single(Analyze(png), FindingKinds.C2paSignature);

        Assert.Equal("ES384", f.ValueOf("algorithm"));
        Assert.Equal("CN=Self Signed Generator, O=Nobody", f.ValueOf("certificate_subject_unverified"));
        Assert.Equal("CN=Self Signed Generator, O=Nobody", f.ValueOf("certificate_issuer_unverified"));
    }

    [Fact]
    public void Signature_X5chainThatIsNotACertificate_SaysUnreadable()
    {
        CborWriter header = new();
        header.WriteStartMap(2);
        header.WriteInt32(1);
        header.WriteInt32(-7);
        header.WriteInt32(33);
        header.WriteByteString([0x30, 0x03, 0x02, 0x01, 0x00]);
        header.WriteEndMap();
        byte[] signature = JumbfBuilder.SignatureWith(header.Encode());
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", StoreWithSignature(signature)));

        EvidenceReport report = Analyze(png);

        Finding f = Single(report, FindingKinds.C2paSignature);
        Assert.Equal("(certificate present but unreadable)", f.ValueOf("certificate_subject_unverified"));
        Assert.Null(f.ValueOf("certificate_issuer_unverified"));
        AllExtractorsCompleted(report);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Store_LongFormAndToTheEndLengths_GiveTheSameFindingsAsTheShortForm(bool longForm, bool zeroLast)
    {
        byte[] ingredient = JumbfBuilder.Manifest("urn:uuid:a", "DALL-E", false, JumbfBuilder.Actions("c2pa.actions", ("c2pa.created", JumbfBuilder.TrainedAlgorithmicMedia, "DALL-E 3")));
        byte[] active = JumbfBuilder.Manifest("urn:uuid:b", "Photoshop", true, JumbfBuilder.Actions("c2pa.actions.v2", ("c2pa.opened", null, null), ("c2pa.edited", JumbfBuilder.CompositeWithTrained, "Generative Fill")), JumbfBuilder.HashAssertion());
        byte[] store = JumbfBuilder.Store(ingredient, active);
        byte[] rewritten = JumbfBuilder.Rewrite(store, longForm, zeroLast);
        Assert.NotEqual(store, rewritten);
        byte[] shortPng = PngBuilder.Small(b => b.Chunk("caBX", store));
        byte[] otherPng = PngBuilder.Small(b => b.Chunk("caBX", rewritten));

        EvidenceReport expected = Analyze(shortPng);
        EvidenceReport actual = Analyze(otherPng);

        static string Describe(Finding f) => $"{f.Kind}|{f.Strength}|{f.Summary}|{f.Location.Container}|{f.Location.Segment}|{string.Join(";", f.Values.Select(v => v.Key + "=" + v.Value))}";
        List<Finding> expectedC2pa = [.. expected.Findings.Where(f => f.Kind.StartsWith("c2pa.", StringComparison.Ordinal))];
        List<Finding> actualC2pa = [.. actual.Findings.Where(f => f.Kind.StartsWith("c2pa.", StringComparison.Ordinal))];
        Assert.Equal(expectedC2pa.Select(Describe), actualC2pa.Select(Describe));
        Assert.Equal(FindingStrength.ProofOfAiEditing, Any(actual, FindingKinds.C2paAiSourceType, f => f.ValueOf("role") == "active").Strength);
        Assert.Equal(FindingStrength.ProofOfAiGeneration, Any(actual, FindingKinds.C2paAiSourceType, f => f.ValueOf("role") == "ingredient").Strength);
        None(actual, FindingKinds.C2paMalformed);

        // Offsets still point at each box's header in the file: LBox (1 in the long form), then 'jumb'.
        foreach (Finding f in actualC2pa.Where(f => f.Kind is FindingKinds.C2paManifest or FindingKinds.C2paAiSourceType))
        {
            int at = (int)f.Location.Offset!.Value;
            Assert.Equal("jumb"u8.ToArray(), otherPng[(at + 4)..(at + 8)]);
            uint lbox = BinaryPrimitives.ReadUInt32BigEndian(otherPng.AsSpan(at));
            Assert.True(longForm ? lbox is 0 or 1 : lbox > 16 || lbox == 0, $"LBox {lbox} at {at}");
        }
    }

    [Fact]
    public void ExtendedLengthPastTheEnd_InsideAValidStore_IsMalformedAtTheBoxOffset()
    {
        // A valid manifest followed by a content box whose XLBox declares 2^40 bytes.
        byte[] manifest = JumbfBuilder.Manifest("urn:uuid:m", "Generator", false, JumbfBuilder.Actions("c2pa.actions", ("c2pa.created", JumbfBuilder.TrainedAlgorithmicMedia, null)));
        byte[] bad = JumbfBuilder.LongBox("json", "{}"u8.ToArray(), 1UL << 40);
        byte[] store = JumbfBuilder.Store(manifest, bad);
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", store));
        int storeOffset = IndexOfNth(png, "caBX"u8.ToArray(), 1) + 4;
        int badInStore = store.Length - bad.Length;

        EvidenceReport report = Analyze(png);

        Finding malformed = Single(report, FindingKinds.C2paMalformed);
        Assert.Equal(FindingStrength.Malformed, malformed.Strength);
        Assert.Equal(storeOffset + badInStore, malformed.Location.Offset);
        Assert.Equal(badInStore.ToString(System.Globalization.CultureInfo.InvariantCulture), malformed.ValueOf("store_offset"));
        Assert.Equal($"box 'json' declares length 1099511627776, past the end of its parent ({bad.Length} bytes left)", malformed.ValueOf("problem"));
        Assert.Equal(FindingStrength.ProofOfAiGeneration, Single(report, FindingKinds.C2paAiSourceType).Strength);
        AllExtractorsCompleted(report);
    }

    [Theory]
    [InlineData(ulong.MaxValue, "box 'jumb' declares length 18446744073709551615, past the end of its parent")]
    [InlineData(9UL, "box 'jumb' declares an impossible length 9")]
    public void ExtendedLength_HugeOrShorterThanItsHeader_IsMalformedNotAnException(ulong declared, string problem)
    {
        byte[] inner = JumbfBuilder.LongBox("jumb", JumbfBuilder.Description("c2ma", "m"), declared);
        byte[] store = JumbfBuilder.Store(inner);
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", store));
        int innerInStore = store.Length - inner.Length;

        EvidenceReport report = Analyze(png);

        Finding malformed = Any(report, FindingKinds.C2paMalformed, f => f.ValueOf("store_offset") == innerInStore.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.StartsWith(problem, malformed.ValueOf("problem"), StringComparison.Ordinal);
        Assert.Equal(IndexOfNth(png, "caBX"u8.ToArray(), 1) + 4 + innerInStore, malformed.Location.Offset);
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void V1Claim_WithOnlyClaimGenerator_NamesItAsTheGenerator()
    {
        const string claimGenerator = "Adobe_Illustrator/28.0 adobe_c2pa/0.7.6 c2pa-rs/0.25.2";
        byte[] manifest = JumbfBuilder.Superbox(
            "c2ma",
            "urn:uuid:v1",
            JumbfBuilder.Superbox("c2as", "c2pa.assertions", JumbfBuilder.Actions("c2pa.actions", ("c2pa.created", JumbfBuilder.TrainedAlgorithmicMedia, null))),
            JumbfBuilder.Claim(generatorName: null, v2: false, claimGenerator: claimGenerator),
            JumbfBuilder.Signature());
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.Store(manifest)));

        EvidenceReport report = Analyze(png);

        Finding m = Single(report, FindingKinds.C2paManifest);
        Assert.Equal(claimGenerator, m.ValueOf("claim_generator"));
        Assert.Null(m.ValueOf("claim_generator_info"));
        Assert.Equal("1", m.ValueOf("claim_version"));
        Assert.Equal("image.png", m.ValueOf("title"));
        Assert.Equal($"C2PA manifest (active, 1 in the store) written by {claimGenerator}; signature present (ES256), not verified.", m.Summary);
        Finding ai = Single(report, FindingKinds.C2paAiSourceType);
        Assert.Equal(FindingStrength.ProofOfAiGeneration, ai.Strength);
        Assert.Equal($"C2PA manifest from {claimGenerator} declares trainedAlgorithmicMedia.", ai.Summary);
        Assert.Equal(claimGenerator, ai.ValueOf("generator"));
        Assert.Contains(claimGenerator, Single(report, FindingKinds.C2paSignature).Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void V1Claim_WithBothFields_PrefersClaimGeneratorInfoAndReportsBoth()
    {
        byte[] manifest = JumbfBuilder.Superbox(
            "c2ma",
            "urn:uuid:v1",
            JumbfBuilder.Superbox("c2as", "c2pa.assertions"),
            JumbfBuilder.Claim(generatorName: "Firefly", v2: false, claimGenerator: "Adobe_Firefly c2pa-rs/0.30"),
            JumbfBuilder.Signature());
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.Store(manifest)));

        Finding m = Single(Analyze(png), FindingKinds.C2paManifest);

        Assert.Equal("Adobe_Firefly c2pa-rs/0.30", m.ValueOf("claim_generator"));
        Assert.Equal("Firefly 1.0", m.ValueOf("claim_generator_info"));
        Assert.StartsWith("C2PA manifest (active, 1 in the store) written by Firefly 1.0;", m.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void ClaimGeneratorNotValidUtf8_IsMalformedAtItsOffsetAndKeptOutOfTheProofLabel()
    {
        // CborWriter refuses invalid UTF-8, so write a same-length ASCII placeholder and patch the bytes in afterwards.
        byte[] placeholder = "Firefly XX 2.0"u8.ToArray();
        byte[] invalid = [.. "Firefly "u8.ToArray(), 0xFF, 0xFE, .. " 2.0"u8.ToArray()];
        byte[] claim = JumbfBuilder.Claim(generatorName: null, v2: false, claimGenerator: Encoding.ASCII.GetString(placeholder));
        int at = claim.AsSpan().IndexOf(placeholder);
        invalid.CopyTo(claim, at);
        byte[] manifest = JumbfBuilder.Superbox(
            "c2ma",
            "urn:uuid:bad",
            JumbfBuilder.Superbox("c2as", "c2pa.assertions", JumbfBuilder.Actions("c2pa.actions", ("c2pa.created", JumbfBuilder.TrainedAlgorithmicMedia, null))),
            claim,
            JumbfBuilder.Signature());
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.Store(manifest)));
        int textItem = png.AsSpan().IndexOf(invalid) - 1;   // the CBOR header byte 0x6E (text, 14 bytes)
        Assert.Equal(0x6E, png[textItem]);

        EvidenceReport report = Analyze(png);

        Finding malformed = Single(report, FindingKinds.C2paMalformed);
        Assert.Equal(FindingStrength.Malformed, malformed.Strength);
        Assert.Equal(textItem, malformed.Location.Offset);
        Assert.Equal("claim_generator", malformed.ValueOf("field"));
        Assert.Equal(@"Firefly \xFF\xFE 2.0", malformed.ValueOf("text"));
        Assert.Equal($@"C2PA store present but malformed at offset {textItem}: text of 'claim_generator' in 'c2pa.claim' is not valid UTF-8 (invalid bytes shown as \xHH): Firefly \xFF\xFE 2.0.", malformed.Summary);
        const string label = @"Firefly \xFF\xFE 2.0 (not valid UTF-8)";
        Finding m = Single(report, FindingKinds.C2paManifest);
        Assert.Equal(label, m.ValueOf("claim_generator"));
        Assert.StartsWith($"C2PA manifest (active, 1 in the store) written by {label};", m.Summary, StringComparison.Ordinal);
        Finding ai = Single(report, FindingKinds.C2paAiSourceType);
        Assert.Equal(FindingStrength.ProofOfAiGeneration, ai.Strength);
        Assert.Equal($"C2PA manifest from {label} declares trainedAlgorithmicMedia.", ai.Summary);
        Assert.DoesNotContain(report.Findings, f => f.Summary.Contains('\uFFFD', StringComparison.Ordinal) || f.Values.Any(v => v.Value.Contains('\uFFFD', StringComparison.Ordinal)));
        Assert.DoesNotContain("\uFFFD", report.ComposeVerdict().Label, StringComparison.Ordinal);
        AllExtractorsCompleted(report);
    }

    [Fact]
    public void SoftwareAgentAsIndefiniteLengthTextWithInvalidUtf8_IsMalformedAndActionStillProof()
    {
        byte[] actions = JumbfBuilder.Superbox("cbor", "c2pa.actions", JumbfBuilder.CborContent(w =>
        {
            w.WriteStartMap(1);
            w.WriteTextString("actions");
            w.WriteStartArray(1);
            w.WriteStartMap(3);
            w.WriteTextString("action");
            w.WriteTextString("c2pa.created");
            w.WriteTextString("digitalSourceType");
            w.WriteTextString(JumbfBuilder.TrainedAlgorithmicMedia);
            w.WriteTextString("softwareAgent");
            w.WriteStartIndefiniteLengthTextString();
            w.WriteTextString("Gen");
            w.WriteTextString("QQ");
            w.WriteEndIndefiniteLengthTextString();
            w.WriteEndMap();
            w.WriteEndArray();
            w.WriteEndMap();
        }));
        int chunk = actions.AsSpan().IndexOf("QQ"u8);
        actions[chunk] = 0xC3;      // a lead byte followed by '(' : an invalid sequence
        actions[chunk + 1] = 0x28;
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.Store(JumbfBuilder.Manifest("urn:uuid:i", "Tool", false, actions))));

        EvidenceReport report = Analyze(png);

        Finding malformed = Single(report, FindingKinds.C2paMalformed);
        Assert.Equal("softwareAgent", malformed.ValueOf("field"));
        Assert.Equal(@"Gen\xC3(", malformed.ValueOf("text"));
        Assert.Equal(0x7F, png[(int)malformed.Location.Offset!.Value]);   // the indefinite-length text header
        Finding ai = Single(report, FindingKinds.C2paAiSourceType);
        Assert.Equal(FindingStrength.ProofOfAiGeneration, ai.Strength);
        Assert.Equal(@"Gen\xC3( (not valid UTF-8)", ai.ValueOf("software_agent"));
    }

    [Fact]
    public void ValidUtf8ClaimGenerator_WithAnEncodedReplacementCharacter_IsNotMalformed()
    {
        // U+FFFD written as valid UTF-8 (EF BF BD) is text like any other.
        byte[] manifest = JumbfBuilder.Superbox(
            "c2ma",
            "urn:uuid:ok",
            JumbfBuilder.Superbox("c2as", "c2pa.assertions"),
            JumbfBuilder.Claim(generatorName: null, v2: false, claimGenerator: "Tool \uFFFD café"),
            JumbfBuilder.Signature());
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.Store(manifest)));

        EvidenceReport report = Analyze(png);

        None(report, FindingKinds.C2paMalformed);
        Assert.Equal("Tool \uFFFD café", Single(report, FindingKinds.C2paManifest).ValueOf("claim_generator"));
    }

    [Fact]
    public void ManifestLabelNotValidUtf8_IsMalformedAtItsDescriptionBoxAndShownEscaped()
    {
        // The builder writes labels as UTF-8, so write a same-length ASCII placeholder and patch the bytes in afterwards.
        byte[] placeholder = "urn:uuid:bad-QQ-1"u8.ToArray();
        byte[] invalid = [.. "urn:uuid:bad-"u8.ToArray(), 0xFF, 0xFE, .. "-1"u8.ToArray()];
        byte[] manifest = JumbfBuilder.Superbox(
            "c2ma",
            Encoding.ASCII.GetString(placeholder),
            JumbfBuilder.Superbox("c2as", "c2pa.assertions", JumbfBuilder.Actions("c2pa.actions", ("c2pa.created", JumbfBuilder.TrainedAlgorithmicMedia, null))),
            JumbfBuilder.Claim("Firefly"),
            JumbfBuilder.Signature());
        invalid.CopyTo(manifest, manifest.AsSpan().IndexOf(placeholder));
        byte[] png = PngBuilder.Small(b => b.Chunk("caBX", JumbfBuilder.Store(manifest)));
        int descriptionBox = png.AsSpan().IndexOf(invalid) - 17 - 8;   // jumd header, UUID and toggles come before the label
        Assert.Equal("jumd"u8.ToArray(), png.AsSpan(descriptionBox + 4, 4).ToArray());

        EvidenceReport report = Analyze(png);

        Finding malformed = Single(report, FindingKinds.C2paMalformed);
        Assert.Equal(FindingStrength.Malformed, malformed.Strength);
        Assert.Equal(descriptionBox, malformed.Location.Offset);
        Assert.Equal(@"urn:uuid:bad-\xFF\xFE-1", malformed.ValueOf("text"));
        Assert.Equal($@"C2PA store present but malformed at offset {descriptionBox}: label of the description box (jumd) of superbox 'c2ma' is not valid UTF-8 (invalid bytes shown as \xHH): urn:uuid:bad-\xFF\xFE-1.", malformed.Summary);
        const string label = @"urn:uuid:bad-\xFF\xFE-1 (not valid UTF-8)";
        Finding m = Single(report, FindingKinds.C2paManifest);
        Assert.Equal(label, m.ValueOf("manifest"));
        Assert.EndsWith($" c2pa/{label}", m.Location.Segment, StringComparison.Ordinal);
        Finding ai = Single(report, FindingKinds.C2paAiSourceType);
        Assert.Equal(FindingStrength.ProofOfAiGeneration, ai.Strength);
        Assert.Equal(label, ai.ValueOf("manifest"));
        Assert.DoesNotContain(report.Findings, f => f.Summary.Contains('\uFFFD', StringComparison.Ordinal) || (f.Location.Segment ?? string.Empty).Contains('\uFFFD', StringComparison.Ordinal) || f.Values.Any(v => v.Value.Contains('\uFFFD', StringComparison.Ordinal)));
        Assert.DoesNotContain("\uFFFD", report.ComposeVerdict().Label, StringComparison.Ordinal);
        AllExtractorsCompleted(report);
    }

    private static byte[] StoreWithSignature(byte[] signature)
        => JumbfBuilder.Store(JumbfBuilder.Superbox(
            "c2ma",
            "urn:uuid:s",
            JumbfBuilder.Superbox("c2as", "c2pa.assertions", JumbfBuilder.Actions("c2pa.actions", ("c2pa.created", JumbfBuilder.TrainedAlgorithmicMedia, null))),
            JumbfBuilder.Claim("Test"),
            signature));

    /// <summary>A leaf certificate issued by a self-signed CA, both built here (subjects fixed, keys fresh each run).</summary>
    private static (byte[] Leaf, byte[] Ca) LeafAndCa()
    {
        DateTimeOffset notBefore = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        CertificateRequest caRequest = new("CN=Detector Test CA, O=Detector Tests", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 ca = caRequest.CreateSelfSigned(notBefore, notBefore.AddYears(10));
        using ECDsa leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        CertificateRequest leafRequest = new("CN=Example Signer, O=Example Generator Inc., C=US", leafKey, HashAlgorithmName.SHA256);
        using X509Certificate2 leaf = leafRequest.Create(ca, notBefore, notBefore.AddYears(1), [1, 2, 3, 4]);
        return (leaf.RawData, ca.RawData);
    }

    private static int IndexOfNth(byte[] data, byte[] pattern, int n)
    {
        int found = 0;
        for (int i = 0; i <= data.Length - pattern.Length; i++)
        {
            if (data.AsSpan(i, pattern.Length).SequenceEqual(pattern) && ++found == n)
            {
                return i;
            }
        }

        throw new InvalidOperationException("pattern not found");
    }
}
