/// The namespaces the merge reads or writes, each with the prefix Adobe's specification uses
/// (a source that bound another prefix keeps its own: names compare by URI).
public enum XMPNamespace {
    public static let x = "adobe:ns:meta/"
    public static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    public static let xmp = "http://ns.adobe.com/xap/1.0/"
    public static let xmpMM = "http://ns.adobe.com/xap/1.0/mm/"
    public static let stRef = "http://ns.adobe.com/xap/1.0/sType/ResourceRef#"
    public static let stEvt = "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"
    public static let tiff = "http://ns.adobe.com/tiff/1.0/"
    public static let exif = "http://ns.adobe.com/exif/1.0/"
    public static let dc = "http://purl.org/dc/elements/1.1/"
    public static let photoshop = "http://ns.adobe.com/photoshop/1.0/"
    public static let iptcCore = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
    /// Ours, for what stRef/stEvt have no field for (the source's sha256).
    public static let enhance = "urn:enhance:xmp:1.0/"

    static let preferredPrefixes: [String: String] = [
        x: "x", rdf: "rdf", xmp: "xmp", xmpMM: "xmpMM", stRef: "stRef", stEvt: "stEvt", tiff: "tiff",
        exif: "exif", dc: "dc", photoshop: "photoshop", iptcCore: "Iptc4xmpCore", enhance: "enhance",
    ]

    /// `local` in `namespace`, with that namespace's preferred prefix.
    public static func name(_ namespace: String, _ local: String) -> QualifiedName {
        QualifiedName(namespace, local, prefix: preferredPrefixes[namespace] ?? "ns")
    }
}

extension QualifiedName {
    static func rdf(_ local: String) -> QualifiedName { XMPNamespace.name(XMPNamespace.rdf, local) }
}
