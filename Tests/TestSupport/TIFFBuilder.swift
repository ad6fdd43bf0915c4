/// Hand-made classic TIFF files, for layouts our encoder never writes (palette, min-is-white,
/// associated alpha, separate planes, CMYK, float, several pages) and for hostile ones (offsets
/// out of range, looping directories, huge declared sizes). Uncompressed, one strip per page
/// unless a test overrides the tags.
public struct TIFFBuilder {
    public enum Value {
        case short([UInt16])
        case long([UInt32])
        case ascii(String)
        case bytes(type: UInt16, [UInt8])
    }

    public struct Page {
        public var tags: [UInt16: Value]
        public var strip: [UInt8]
    }

    public var bigEndian = false
    public var pages: [Page] = []
    /// Points the last page's next-IFD link back at the first page: a loop.
    public var loopsBack = false

    public init(bigEndian: Bool = false) { self.bigEndian = bigEndian }

    /// A page of `width` × `height` with these samples (one strip), photometric and layout.
    public mutating func addPage(width: Int, height: Int, bitsPerSample: [UInt16], photometric: UInt16,
                          strip: [UInt8], extra: [UInt16: Value] = [:]) {
        var tags: [UInt16: Value] = [
            256: .long([UInt32(width)]), 257: .long([UInt32(height)]),
            258: .short(bitsPerSample), 259: .short([1]), 262: .short([photometric]),
            277: .short([UInt16(bitsPerSample.count)]), 278: .long([UInt32(height)]),
            284: .short([1]),
        ]
        for (tag, value) in extra { tags[tag] = value }
        pages.append(Page(tags: tags, strip: strip))
    }

    private func put16(_ v: UInt16, into out: inout [UInt8]) {
        out += bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)]
    }

    private func put32(_ v: UInt32, into out: inout [UInt8]) {
        let b = (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) }
        out += bigEndian ? b.reversed() : b
    }

    private func set32(_ v: UInt32, at offset: Int, in out: inout [UInt8]) {
        var bytes: [UInt8] = []
        put32(v, into: &bytes)
        out.replaceSubrange(offset..<offset + 4, with: bytes)
    }

    /// 16-bit samples in the file's byte order.
    public func samples16(_ values: [UInt16]) -> [UInt8] {
        var out: [UInt8] = []
        for v in values { put16(v, into: &out) }
        return out
    }

    public func bytes() -> [UInt8] {
        var out: [UInt8] = bigEndian ? Array("MM".utf8) + [0, 42] : Array("II".utf8) + [42, 0]
        put32(0, into: &out)
        var linkAt = 4
        var firstIFD = 0
        for page in pages {
            let stripAt = out.count
            out += page.strip
            if out.count % 2 == 1 { out.append(0) }
            var tags = page.tags
            if tags[273] == nil { tags[273] = .long([UInt32(stripAt)]) }
            if tags[279] == nil { tags[279] = .long([UInt32(page.strip.count)]) }
            // Out-of-line values first, then the directory pointing at them.
            var encoded: [(UInt16, UInt16, UInt32, [UInt8])] = []
            for tag in tags.keys.sorted() {
                var data: [UInt8] = []
                let type: UInt16, count: Int
                switch tags[tag]! {
                case .short(let v): type = 3; count = v.count; v.forEach { put16($0, into: &data) }
                case .long(let v): type = 4; count = v.count; v.forEach { put32($0, into: &data) }
                case .ascii(let s): type = 2; data = Array(s.utf8) + [0]; count = data.count
                case .bytes(let t, let b): type = t; data = b; count = b.count
                }
                encoded.append((tag, type, UInt32(count), data))
            }
            var valueOffsets: [Int] = []
            for (_, _, _, data) in encoded {
                if data.count > 4 {
                    valueOffsets.append(out.count)
                    out += data
                    if out.count % 2 == 1 { out.append(0) }
                } else {
                    valueOffsets.append(-1)
                }
            }
            let ifdAt = out.count
            if firstIFD == 0 { firstIFD = ifdAt }
            set32(UInt32(ifdAt), at: linkAt, in: &out)
            put16(UInt16(encoded.count), into: &out)
            for (i, (tag, type, count, data)) in encoded.enumerated() {
                put16(tag, into: &out)
                put16(type, into: &out)
                put32(count, into: &out)
                if valueOffsets[i] >= 0 {
                    put32(UInt32(valueOffsets[i]), into: &out)
                } else if type == 3 && data.count == 2 {
                    // A single SHORT sits in the first two bytes of the field.
                    out += data + [0, 0]
                } else {
                    out += data + [UInt8](repeating: 0, count: 4 - data.count)
                }
            }
            linkAt = out.count
            put32(0, into: &out)
        }
        if loopsBack { set32(UInt32(firstIFD), at: linkAt, in: &out) }
        return out
    }
}
