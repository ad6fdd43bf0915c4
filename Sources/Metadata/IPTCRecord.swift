/// IPTC-IIM datasets as JPEG APP13 (Photoshop resource 0x0404) and TIFF tag 33723 hold them:
/// a run of `0x1C record dataset length value` entries. Read only to map the application record
/// (record 2: keywords, caption, headline…) into XMP for outputs that have no IPTC home; the
/// block itself is always carried byte for byte.
public struct IPTCRecord: Sendable, Equatable {
    public struct Dataset: Sendable, Equatable {
        public var record: UInt8
        public var number: UInt8
        public var value: [UInt8]
    }

    public var datasets: [Dataset]

    /// Parses `bytes`; trailing NUL padding (TIFF pads to an even length) is allowed, anything
    /// else that is not a dataset is an error.
    public init(parsing bytes: [UInt8]) throws(XMPError) {
        datasets = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0, bytes[i...].allSatisfy({ $0 == 0 }) { break }
            guard bytes[i] == 0x1C else { throw XMPError("IPTC byte \(i) is 0x\(String(bytes[i], radix: 16)), not a dataset marker") }
            guard bytes.count - i >= 5 else { throw XMPError("IPTC data ends inside a dataset header at byte \(i)") }
            let record = bytes[i + 1], number = bytes[i + 2]
            var length = Int(bytes[i + 3]) << 8 | Int(bytes[i + 4])
            i += 5
            if length & 0x8000 != 0 {
                // Extended dataset: the low 15 bits count the length's own bytes (at most 4 here).
                let count = length & 0x7FFF
                guard (1...4).contains(count), bytes.count - i >= count else {
                    throw XMPError("IPTC dataset \(record):\(number) has an impossible extended length")
                }
                length = bytes[i..<(i + count)].reduce(0) { $0 << 8 | Int($1) }
                i += count
            }
            guard bytes.count - i >= length else {
                throw XMPError("IPTC dataset \(record):\(number) claims \(length) bytes; \(bytes.count - i) remain")
            }
            datasets.append(Dataset(record: record, number: number, value: Array(bytes[i..<(i + length)])))
            i += length
        }
    }

    /// UTF-8 when dataset 1:90 says so (ESC % G) or the bytes are valid UTF-8; otherwise Latin-1,
    /// what writers without 1:90 mostly meant.
    private var declaresUTF8: Bool {
        datasets.contains { $0.record == 1 && $0.number == 90 && $0.value == [0x1B, 0x25, 0x47] }
    }

    /// The texts of record 2's dataset `number`, in file order.
    public func strings(_ number: UInt8) -> [String] {
        datasets.filter { $0.record == 2 && $0.number == number }.map { dataset in
            if declaresUTF8 || String(validating: dataset.value, as: UTF8.self) != nil {
                return String(decoding: dataset.value, as: UTF8.self)
            }
            return String(dataset.value.map { Character(Unicode.Scalar($0)) })
        }
    }

    /// Record 2 datasets and where XMP keeps the same fact (IPTC Core / MWG mapping).
    static let xmpHomes: [(number: UInt8, property: QualifiedName, container: XMPPacket.Container?)] = [
        (5, XMPNamespace.name(XMPNamespace.dc, "title"), .alt),
        (15, XMPNamespace.name(XMPNamespace.photoshop, "Category"), nil),
        (20, XMPNamespace.name(XMPNamespace.photoshop, "SupplementalCategories"), .bag),
        (25, XMPNamespace.name(XMPNamespace.dc, "subject"), .bag),
        (40, XMPNamespace.name(XMPNamespace.photoshop, "Instructions"), nil),
        (80, XMPNamespace.name(XMPNamespace.dc, "creator"), .seq),
        (85, XMPNamespace.name(XMPNamespace.photoshop, "AuthorsPosition"), nil),
        (90, XMPNamespace.name(XMPNamespace.photoshop, "City"), nil),
        (92, XMPNamespace.name(XMPNamespace.iptcCore, "Location"), nil),
        (95, XMPNamespace.name(XMPNamespace.photoshop, "State"), nil),
        (100, XMPNamespace.name(XMPNamespace.iptcCore, "CountryCode"), nil),
        (101, XMPNamespace.name(XMPNamespace.photoshop, "Country"), nil),
        (103, XMPNamespace.name(XMPNamespace.photoshop, "TransmissionReference"), nil),
        (105, XMPNamespace.name(XMPNamespace.photoshop, "Headline"), nil),
        (110, XMPNamespace.name(XMPNamespace.photoshop, "Credit"), nil),
        (115, XMPNamespace.name(XMPNamespace.photoshop, "Source"), nil),
        (116, XMPNamespace.name(XMPNamespace.dc, "rights"), .alt),
        (120, XMPNamespace.name(XMPNamespace.dc, "description"), .alt),
        (122, XMPNamespace.name(XMPNamespace.photoshop, "CaptionWriter"), nil),
    ]

    /// Writes each record 2 field into its XMP home when the packet lacks that property (the
    /// XMP, written later by photo managers, wins where both exist).
    public func fill(_ packet: XMPPacket) {
        for home in Self.xmpHomes where !packet.contains(home.property) {
            let texts = strings(home.number)
            guard let first = texts.first else { continue }
            if let container = home.container {
                packet.setArray(home.property, container: container, items: container == .alt ? [first] : texts)
            } else {
                packet.setValue(home.property, first)
            }
        }
    }

    /// The record 2 datasets with no XMP home here ("2:10", …, once each; 2:00, the record's
    /// version, is no content): what an output without IPTC cannot carry.
    public var unmapped: [String] {
        var seen: [String] = []
        for dataset in datasets where dataset.record == 2 && dataset.number != 0
            && !Self.xmpHomes.contains(where: { $0.number == dataset.number }) {
            let name = "2:\(dataset.number)"
            if !seen.contains(name) { seen.append(name) }
        }
        return seen
    }

    /// Whether any record 2 field has an XMP home.
    public var hasMappedFields: Bool {
        Self.xmpHomes.contains { !strings($0.number).isEmpty }
    }
}
