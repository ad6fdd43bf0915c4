/// Issue 9, item 1: an output's XMP is its source's packet, edited — never replaced.
import Foundation
import Metadata
import Testing

@Suite("XMP merge")
struct XMPMergeTests {
    /// As exiv2 (digiKam) writes it: simple properties as attributes of one Description.
    static let attributeForm = """
        <?xpacket begin="\u{FEFF}" id="W5M0MpCehiHzreSzNTczkc9d"?>
        <x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
         <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
          <rdf:Description rdf:about=""
            xmlns:xmp="http://ns.adobe.com/xap/1.0/"
            xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
            xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"
            xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
            xmlns:exif="http://ns.adobe.com/exif/1.0/"
            xmlns:dc="http://purl.org/dc/elements/1.1/"
            xmlns:digiKam="http://www.digikam.org/ns/1.0/"
            xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
           xmp:Rating="3"
           xmp:CreateDate="2021-06-01T10:00:00"
           xmpMM:DocumentID="xmp.did:source-doc"
           xmpMM:InstanceID="xmp.iid:source-inst"
           tiff:ImageWidth="40"
           tiff:ImageLength="30"
           tiff:Orientation="6"
           exif:PixelXDimension="40"
           exif:PixelYDimension="30">
           <xmpMM:History>
            <rdf:Seq>
             <rdf:li stEvt:action="saved" stEvt:instanceID="xmp.iid:source-inst" stEvt:when="2021-06-02T09:00:00"
                     stEvt:softwareAgent="digiKam-7.9.0"/>
            </rdf:Seq>
           </xmpMM:History>
           <dc:subject><rdf:Bag><rdf:li>cat</rdf:li><rdf:li>garden</rdf:li></rdf:Bag></dc:subject>
           <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Tom in the garden</rdf:li></rdf:Alt></dc:title>
           <digiKam:TagsList><rdf:Seq><rdf:li>Pets/cat</rdf:li></rdf:Seq></digiKam:TagsList>
           <lr:hierarchicalSubject><rdf:Bag><rdf:li>Pets|cat</rdf:li></rdf:Bag></lr:hierarchicalSubject>
          </rdf:Description>
         </rdf:RDF>
        </x:xmpmeta>
        <?xpacket end="w"?>
        """

    /// As Adobe's toolkit and exiftool can write it: elements, other prefixes, several Descriptions.
    static let elementForm = """
        <x:xmpmeta xmlns:x="adobe:ns:meta/">
         <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
          <rdf:Description rdf:about="" xmlns:mm="http://ns.adobe.com/xap/1.0/mm/"
              xmlns:evt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#">
           <mm:DocumentID>xmp.did:element-doc</mm:DocumentID>
           <mm:OriginalDocumentID>xmp.did:the-original</mm:OriginalDocumentID>
           <mm:History><rdf:Seq><rdf:li rdf:parseType="Resource"><evt:action>created</evt:action></rdf:li></rdf:Seq></mm:History>
          </rdf:Description>
          <rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
           <tiff:ImageWidth>40</tiff:ImageWidth>
           <tiff:Orientation>8</tiff:Orientation>
           <xmp:Rating>5</xmp:Rating>
           <unknown:thing xmlns:unknown="urn:someone:else/">kept</unknown:thing>
          </rdf:Description>
         </rdf:RDF>
        </x:xmpmeta>
        """

    static let provenance = Provenance(sourcePath: "/photos/tom.jpg", sourceSHA256: String(repeating: "ab", count: 32),
                                       when: Date(timeIntervalSince1970: 1_700_000_000), softwareAgent: "enhanced 0.1.0",
                                       modelName: "srgan-gan", modelSHA256: String(repeating: "cd", count: 32),
                                       scale: 4, tile: 224, overlap: 48)

    func derive(_ packet: String?, iptc: [UInt8]? = nil, provenance: Provenance? = provenance) -> DerivedXMP {
        DerivedXMP(xmp: packet.map { Array($0.utf8) }, iptc: iptc, sourcePath: "/photos/tom.jpg", width: 160,
                   height: 120, provenance: provenance, toolkit: "enhance 0.1.0")
    }

    func merged(_ packet: String?, iptc: [UInt8]? = nil, provenance: Provenance? = provenance) throws -> XMPPacket {
        let derived = derive(packet, iptc: iptc, provenance: provenance)
        #expect(derived.warnings.isEmpty)
        #expect(derived.sidecar == derived.embedded, "the sidecar is the image's packet")
        return try XMPPacket(parsing: try #require(derived.embedded))
    }

    static func name(_ ns: String, _ local: String) -> QualifiedName { XMPNamespace.name(ns, local) }
    static func mm(_ local: String) -> QualifiedName { name(XMPNamespace.xmpMM, local) }

    @Test("attribute form: every namespace kept, sizes and orientation updated, new ids, the source's ids in DerivedFrom")
    func attributeFormMerge() throws {
        let xmp = try merged(Self.attributeForm)
        #expect(xmp.value(Self.name(XMPNamespace.xmp, "Rating")) == "3")
        #expect(xmp.value(Self.name(XMPNamespace.xmp, "CreateDate")) == "2021-06-01T10:00:00", "the photo's, not now")
        #expect(xmp.items(Self.name(XMPNamespace.dc, "subject")) == ["cat", "garden"])
        #expect(xmp.items(Self.name(XMPNamespace.dc, "title")) == ["Tom in the garden"])
        #expect(xmp.items(Self.name("http://www.digikam.org/ns/1.0/", "TagsList")) == ["Pets/cat"])
        #expect(xmp.items(Self.name("http://ns.adobe.com/lightroom/1.0/", "hierarchicalSubject")) == ["Pets|cat"])
        #expect(xmp.value(Self.name(XMPNamespace.tiff, "ImageWidth")) == "160")
        #expect(xmp.value(Self.name(XMPNamespace.tiff, "ImageLength")) == "120")
        #expect(xmp.value(Self.name(XMPNamespace.exif, "PixelXDimension")) == "160")
        #expect(xmp.value(Self.name(XMPNamespace.exif, "PixelYDimension")) == "120")
        #expect(xmp.value(Self.name(XMPNamespace.tiff, "Orientation")) == "1")
        #expect(xmp.value(Self.mm("DocumentID")) == Self.provenance.documentID)
        #expect(xmp.value(Self.mm("InstanceID")) == Self.provenance.instanceID)
        #expect(xmp.value(Self.mm("OriginalDocumentID")) == "xmp.did:source-doc", "set from the source's DocumentID")
        let text = String(decoding: xmp.bytes, as: UTF8.self)
        #expect(text.contains("<stRef:documentID>xmp.did:source-doc</stRef:documentID>"))
        #expect(text.contains("<stRef:instanceID>xmp.iid:source-inst</stRef:instanceID>"))
        #expect(text.contains("<stRef:filePath>/photos/tom.jpg</stRef:filePath>"))
        #expect(text.contains("<enhance:sha256>\(String(repeating: "ab", count: 32))</enhance:sha256>"))
        #expect(text.contains(#"stEvt:action="saved""#), "the source's event, in its own spelling")
        #expect(text.components(separatedBy: "<stEvt:action>converted</stEvt:action>").count == 2, "one converted event")
        #expect(text.contains(#"xmp:Rating="3""#), "an attribute stays an attribute")
        #expect(text.contains("<xmp:MetadataDate>2023-11-14T22:13:20.000Z</xmp:MetadataDate>"))
    }

    @Test("element form under other prefixes, over several Descriptions: found by namespace, edited in place")
    func elementFormMerge() throws {
        let xmp = try merged(Self.elementForm)
        #expect(xmp.value(Self.mm("OriginalDocumentID")) == "xmp.did:the-original", "an original's id is kept")
        #expect(xmp.value(Self.mm("DocumentID")) == Self.provenance.documentID)
        #expect(xmp.value(Self.name(XMPNamespace.tiff, "ImageWidth")) == "160")
        #expect(!xmp.contains(Self.name(XMPNamespace.tiff, "ImageLength")), "sizes are updated, not invented")
        #expect(xmp.value(Self.name(XMPNamespace.tiff, "Orientation")) == "1")
        #expect(xmp.value(Self.name(XMPNamespace.xmp, "Rating")) == "5")
        #expect(xmp.value(Self.name("urn:someone:else/", "thing")) == "kept")
        let text = String(decoding: xmp.bytes, as: UTF8.self)
        #expect(text.contains("<mm:DocumentID>\(Self.provenance.documentID)</mm:DocumentID>"), "the source's prefix is used")
        #expect(text.contains("<evt:action>created</evt:action>"))
        #expect(text.contains("<evt:action>converted</evt:action>"), "appended to the source's Seq")
        #expect(text.contains("<stRef:documentID>xmp.did:element-doc</stRef:documentID>"))
        #expect(!text.contains("stRef:instanceID"), "the source had no InstanceID")
    }

    @Test("without provenance, the source's packet is carried with only sizes and orientation changed")
    func noProvenance() throws {
        let xmp = try merged(Self.attributeForm, provenance: nil)
        #expect(xmp.value(Self.mm("DocumentID")) == "xmp.did:source-doc")
        #expect(xmp.value(Self.name(XMPNamespace.tiff, "ImageWidth")) == "160")
        #expect(!xmp.contains(Self.mm("DerivedFrom")))
        #expect(!String(decoding: xmp.bytes, as: UTF8.self).contains("converted"))
        #expect(derive(nil, provenance: nil).embedded == nil, "nothing to embed")
    }

    @Test("a packet that does not parse is carried byte for byte; the provenance goes to the sidecar, with one warning")
    func unparsable() throws {
        let broken = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF><unclosed></x:xmpmeta>"
        let derived = derive(broken)
        #expect(derived.embedded == Array(broken.utf8))
        let sidecar = try XMPPacket(parsing: try #require(derived.sidecar))
        #expect(sidecar.value(Self.mm("DocumentID")) == Self.provenance.documentID)
        #expect(derived.warnings.count == 1)
        #expect(derived.warnings.first?.hasPrefix("/photos/tom.jpg: its XMP packet does not parse (") == true)
        #expect(derived.warnings.first?.hasSuffix("; it is carried over unchanged and the provenance is in the sidecar only") == true)
    }

    @Test("a packet with a DTD is refused, so no entity it declares is ever expanded")
    func dtdRefused() {
        let bomb = """
            <?xml version="1.0"?>
            <!DOCTYPE x:xmpmeta [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
              <!ENTITY e SYSTEM "file:///etc/passwd">]>
            <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
            <rdf:Description rdf:about="">&b;&e;</rdf:Description></rdf:RDF></x:xmpmeta>
            """
        #expect(throws: XMPError("line 2: a DTD (<!DOCTYPE>) is not allowed in an XMP packet")) {
            try XMPPacket(parsing: Array(bomb.utf8))
        }
        #expect(derive(bomb).embedded == Array(bomb.utf8), "carried, not interpreted")
    }

    @Test("an undeclared prefix is an error, even though libxml2 recovers from it")
    func namespaceError() {
        let packet = #"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description/></rdf:RDF></x:xmpmeta>"#
        #expect(throws: XMPError.self) { try XMPPacket(parsing: Array(packet.utf8)) }
    }
}
