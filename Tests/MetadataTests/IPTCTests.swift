/// Issue 9, item 2: IPTC-IIM is read (record 2) so that an output with no IPTC home still says
/// what the source's IPTC said, in XMP, where the XMP does not already say it.
import Foundation
import Metadata
import Testing

@Suite("IPTC")
struct IPTCTests {
    /// One IIM dataset: 0x1C, record, number, a 2-byte length, the value.
    static func dataset(_ record: UInt8, _ number: UInt8, _ value: [UInt8]) -> [UInt8] {
        [0x1C, record, number, UInt8(value.count >> 8), UInt8(value.count & 0xFF)] + value
    }

    static func dataset(_ record: UInt8, _ number: UInt8, _ text: String) -> [UInt8] {
        dataset(record, number, Array(text.utf8))
    }

    static let block = dataset(1, 90, [0x1B, 0x25, 0x47]) + dataset(2, 0, [0, 4])
        + dataset(2, 25, "Katze") + dataset(2, 25, "Grün") + dataset(2, 120, "Tom im Garten")
        + dataset(2, 105, "Tom") + dataset(2, 80, "Anna") + dataset(2, 90, "Köln") + [0, 0]

    static let provenance = XMPMergeTests.provenance

    func derive(_ xmp: String?, _ iptc: [UInt8]) -> DerivedXMP {
        DerivedXMP(xmp: xmp.map { Array($0.utf8) }, iptc: iptc, sourcePath: "/photos/tom.jpg", width: 8, height: 8,
                   provenance: Self.provenance, toolkit: "enhance 0.1.0")
    }

    @Test("record 2 datasets parse, UTF-8 declared by 1:90, NUL padding allowed")
    func parse() throws {
        let record = try IPTCRecord(parsing: Self.block)
        #expect(record.strings(25) == ["Katze", "Grün"])
        #expect(record.strings(120) == ["Tom im Garten"])
        #expect(record.strings(90) == ["Köln"])
    }

    @Test("without 1:90, bytes that are not UTF-8 are read as Latin-1")
    func latin1() throws {
        let record = try IPTCRecord(parsing: Self.dataset(2, 25, [0x47, 0x72, 0xFC, 0x6E]))
        #expect(record.strings(25) == ["Grün"])
    }

    @Test("a length past the end or a stray byte is an error naming the dataset or byte")
    func malformed() {
        #expect(throws: XMPError("IPTC dataset 2:25 claims 9 bytes; 3 remain")) {
            try IPTCRecord(parsing: [0x1C, 2, 25, 0, 9, 1, 2, 3])
        }
        #expect(throws: XMPError("IPTC byte 0 is 0x41, not a dataset marker")) { try IPTCRecord(parsing: [0x41]) }
    }

    @Test("keywords, caption, headline, by-line and city become dc:subject, dc:description, photoshop:Headline, dc:creator and photoshop:City")
    func mappedIntoEmptyXMP() throws {
        let xmp = try XMPPacket(parsing: try #require(derive(nil, Self.block).embedded))
        #expect(xmp.items(XMPNamespace.name(XMPNamespace.dc, "subject")) == ["Katze", "Grün"])
        #expect(xmp.items(XMPNamespace.name(XMPNamespace.dc, "description")) == ["Tom im Garten"])
        #expect(xmp.items(XMPNamespace.name(XMPNamespace.dc, "creator")) == ["Anna"])
        #expect(xmp.value(XMPNamespace.name(XMPNamespace.photoshop, "Headline")) == "Tom")
        #expect(xmp.value(XMPNamespace.name(XMPNamespace.photoshop, "City")) == "Köln")
        #expect(String(decoding: xmp.bytes, as: UTF8.self).contains(#"<rdf:li xml:lang="x-default">Tom im Garten</rdf:li>"#))
    }

    @Test("what the XMP already says wins: IPTC fills only the properties it lacks")
    func xmpWins() throws {
        let derived = derive(XMPMergeTests.attributeForm, Self.block)
        let xmp = try XMPPacket(parsing: try #require(derived.embedded))
        #expect(xmp.items(XMPNamespace.name(XMPNamespace.dc, "subject")) == ["cat", "garden"])
        #expect(xmp.items(XMPNamespace.name(XMPNamespace.dc, "description")) == ["Tom im Garten"])
    }

    @Test("an output without an IPTC home names the datasets XMP cannot hold; one with a home says nothing")
    func unmappedNamed() {
        let block: [UInt8] = Array(Self.block.prefix(Self.block.count - 2)) + Self.dataset(2, 10, "5") + Self.dataset(2, 55, "20210601") + Self.dataset(2, 10, "5")
        let png = DerivedXMP(xmp: nil, iptc: block, sourcePath: "/photos/tom.jpg", width: 8, height: 8,
                             provenance: nil, toolkit: "enhance 0.1.0", outputHoldsIPTC: false)
        #expect(png.warnings == ["/photos/tom.jpg: IPTC datasets 2:10, 2:55 have no place in this output format and no XMP equivalent; they are not carried"])
        #expect(derive(nil, block).warnings.isEmpty)
    }

    /// Found by the fuzzer: a caption ending in U+0003, which XML cannot hold even escaped.
    @Test("IPTC text with a control character still makes a packet that parses, the character replaced")
    func controlCharacter() throws {
        let block: [UInt8] = [0x1C, 1, 90, 0, 3, 0x1B, 0x25, 0x43] + Self.dataset(2, 25, "cat") + Self.dataset(2, 120, [0x61, 0x20, 0x63, 0x61, 0x03])
        let derived = derive(nil, block)
        let packet = try XMPPacket(parsing: try #require(derived.sidecar))
        #expect(packet.items(XMPNamespace.name(XMPNamespace.dc, "description")) == ["a ca\u{FFFD}"])
    }

    @Test("IPTC that does not parse leaves the XMP alone and says so once")
    func badIPTC() {
        let derived = derive(nil, [0x1C, 2])
        #expect(derived.warnings == ["/photos/tom.jpg: its IPTC data does not parse (IPTC data ends inside a dataset header at byte 0); it is carried unchanged where the output format has a place for it, and not copied into XMP"])
    }
}
