namespace Detector.Evidence.Tests.Builders;

/// <summary>XMP packets with the IPTC digital source type in each of its three forms.</summary>
internal static class XmpPackets
{
    private const string Head = "<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n";
    private const string Tail = "</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>";
    private const string Namespaces = "xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"";

    public static string Attribute(string sourceType) =>
        Head + $"<rdf:Description rdf:about=\"\" {Namespaces} Iptc4xmpExt:DigitalSourceType=\"{sourceType}\"/>\n" + Tail;

    public static string Element(string sourceType) =>
        Head + $"<rdf:Description rdf:about=\"\" {Namespaces}>\n<Iptc4xmpExt:DigitalSourceType>{sourceType}</Iptc4xmpExt:DigitalSourceType>\n</rdf:Description>\n" + Tail;

    public static string Resource(string sourceType) =>
        Head + $"<rdf:Description rdf:about=\"\" {Namespaces}>\n<Iptc4xmpExt:DigitalSourceType rdf:resource=\"{sourceType}\"/>\n</rdf:Description>\n" + Tail;

    public static string Full(string sourceType, string aiSystem, string provenanceUrl, string creatorTool) =>
        Head + $"<rdf:Description rdf:about=\"\" {Namespaces} xmp:CreatorTool=\"{creatorTool}\">\n"
        + $"<Iptc4xmpExt:DigitalSourceType>{sourceType}</Iptc4xmpExt:DigitalSourceType>\n"
        + $"<Iptc4xmpExt:AISystemUsed>{aiSystem}</Iptc4xmpExt:AISystemUsed>\n"
        + $"<dcterms:provenance>{provenanceUrl}</dcterms:provenance>\n"
        + "</rdf:Description>\n" + Tail;

    public static string WithDtd() =>
        "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">&e;</x:xmpmeta>";

    public static string DeeplyNested(int depth) =>
        Head + string.Concat(Enumerable.Repeat("<a>", depth)) + string.Concat(Enumerable.Repeat("</a>", depth)) + Tail;
}
