/// A small reader and in-place editor of EXIF's TIFF structure: enough to find the orientation,
/// the date and the GPS directory, and to make the block true again after the pixels have been
/// turned upright and enlarged (orientation 1, new pixel dimensions, no stale thumbnail).
///
/// EXIF comes from untrusted files, so every offset and count is checked against the block before
/// use, directory loops are cut, and anything malformed makes `init` throw: callers then drop the
/// EXIF block instead of failing the image. The block is edited in place rather than rebuilt,
/// because maker notes hold offsets into it that a rebuild would silently break.
public struct ExifBlock: Sendable, Hashable {
    /// The image file directories this reader follows.
    public enum Directory: Sendable, Hashable, CaseIterable {
        /// The main image's tags (orientation, camera make and model…).
        case ifd0
        /// The EXIF sub-directory (dates, exposure, pixel dimensions…).
        case exif
        case gps
        case interoperability
        /// The thumbnail's directory.
        case ifd1
    }

    public struct Entry: Sendable, Hashable {
        public let tag: UInt16
        public let type: UInt16
        public let count: Int
        /// Where the 12-byte entry itself is.
        let entryOffset: Int
        /// Where its value is: inside the entry when it fits in 4 bytes, else elsewhere.
        let valueOffset: Int
        let valueLength: Int
    }

    public struct Malformed: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public enum Tag {
        public static let imageWidth: UInt16 = 0x0100
        public static let imageLength: UInt16 = 0x0101
        public static let orientation: UInt16 = 0x0112
        public static let make: UInt16 = 0x010F
        public static let model: UInt16 = 0x0110
        public static let stripOffsets: UInt16 = 0x0111
        public static let stripByteCounts: UInt16 = 0x0117
        public static let exifPointer: UInt16 = 0x8769
        public static let gpsPointer: UInt16 = 0x8825
        public static let interoperabilityPointer: UInt16 = 0xA005
        public static let dateTimeOriginal: UInt16 = 0x9003
        public static let pixelXDimension: UInt16 = 0xA002
        public static let pixelYDimension: UInt16 = 0xA003
        public static let thumbnailOffset: UInt16 = 0x0201
        public static let thumbnailLength: UInt16 = 0x0202
        public static let gpsLatitude: UInt16 = 0x0002
        public static let gpsLongitude: UInt16 = 0x0004
    }

    public private(set) var bytes: [UInt8]
    public let isBigEndian: Bool
    public private(set) var entries: [Directory: [Entry]] = [:]
    /// Where IFD0's "next directory" link is stored; a non-zero link there points at IFD1.
    private let ifd0NextLink: Int
    /// Byte ranges the directories occupy (tables and out-of-line values), per directory.
    private var extents: [Directory: [Range<Int>]] = [:]

    /// More entries than any real directory has; a corrupt count would otherwise mean a long loop.
    static let maxEntriesPerDirectory = 1000

    public init(_ bytes: [UInt8]) throws(Malformed) {
        self.bytes = bytes
        guard bytes.count >= 8 else { throw Malformed(description: "EXIF block of \(bytes.count) bytes is too short") }
        switch (bytes[0], bytes[1]) {
        case (0x4D, 0x4D): isBigEndian = true
        case (0x49, 0x49): isBigEndian = false
        default: throw Malformed(description: "EXIF block does not start with a TIFF byte-order mark")
        }
        var reader = ByteReader(bytes: bytes, bigEndian: isBigEndian)
        guard try reader.u16(at: 2) == 42 else { throw Malformed(description: "EXIF block lacks the TIFF magic number 42") }
        let ifd0 = try Int(reader.u32(at: 4))
        var visited: Set<Int> = []
        let next = try Self.parseDirectory(.ifd0, at: ifd0, reader: &reader, visited: &visited,
                                           entries: &entries, extents: &extents)
        ifd0NextLink = next.linkOffset
        for (pointer, directory, parent) in [(Tag.exifPointer, Directory.exif, Directory.ifd0),
                                             (Tag.gpsPointer, .gps, .ifd0),
                                             (Tag.interoperabilityPointer, .interoperability, .exif)] {
            guard let entry = entries[parent]?.first(where: { $0.tag == pointer }) else { continue }
            let offset = try Int(reader.u32(at: entry.valueOffset))
            _ = try Self.parseDirectory(directory, at: offset, reader: &reader, visited: &visited,
                                        entries: &entries, extents: &extents)
        }
        // The thumbnail directory is about to be dropped; damage there is no reason to lose the rest.
        if next.target != 0 {
            var scratchEntries = entries, scratchExtents = extents
            if (try? Self.parseDirectory(.ifd1, at: next.target, reader: &reader, visited: &visited,
                                         entries: &scratchEntries, extents: &scratchExtents)) != nil {
                entries = scratchEntries
                extents = scratchExtents
            }
        }
    }

    /// Parses one directory, recording its entries and the bytes it covers. Returns the offset
    /// of its "next directory" link and that link's value.
    private static func parseDirectory(_ directory: Directory, at offset: Int, reader: inout ByteReader,
                                       visited: inout Set<Int>, entries: inout [Directory: [Entry]],
                                       extents: inout [Directory: [Range<Int>]]) throws(Malformed) -> (linkOffset: Int, target: Int) {
        guard offset >= 8, visited.insert(offset).inserted else {
            throw Malformed(description: "EXIF \(directory) directory at offset \(offset) is out of place or loops")
        }
        let count = try Int(reader.u16(at: offset))
        guard count <= maxEntriesPerDirectory else {
            throw Malformed(description: "EXIF \(directory) directory claims \(count) entries")
        }
        let tableEnd = offset + 2 + 12 * count
        let linkOffset = tableEnd
        try reader.check(offset, length: 2 + 12 * count + 4)
        var list: [Entry] = []
        let table = offset..<(tableEnd + 4)
        var ranges: [Range<Int>] = [table]
        // Editing writes into tables, so a table may share no byte with anything else: else a
        // write to one entry would change another (found by fuzzing).
        let tables = extents.values.compactMap(\.first)
        guard !extents.values.joined().contains(where: { $0.overlaps(table) }) else {
            throw Malformed(description: "EXIF \(directory) directory overlaps another directory")
        }
        for i in 0..<count {
            let at = offset + 2 + 12 * i
            let tag = try reader.u16(at: at), type = try reader.u16(at: at + 2)
            let count = try Int(reader.u32(at: at + 4))
            let size = Self.typeSize(type)
            // Unknown types cannot be measured; keep the entry but never look at its value.
            let (length, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, length <= reader.bytes.count else {
                throw Malformed(description: "EXIF tag 0x\(String(tag, radix: 16)) claims \(count) values")
            }
            var valueOffset = at + 8
            if length > 4 {
                valueOffset = try Int(reader.u32(at: at + 8))
                try reader.check(valueOffset, length: length)
                let value = valueOffset..<(valueOffset + length)
                guard !value.overlaps(table), !tables.contains(where: { $0.overlaps(value) }) else {
                    throw Malformed(description: "EXIF tag 0x\(String(tag, radix: 16)) has its value inside a directory")
                }
                ranges.append(value)
            }
            list.append(Entry(tag: tag, type: type, count: count, entryOffset: at,
                              valueOffset: valueOffset, valueLength: length))
        }
        entries[directory] = list
        extents[directory] = ranges
        return (linkOffset, try Int(reader.u32(at: linkOffset)))
    }

    /// Bytes per value of a TIFF field type; 0 for types this reader does not know.
    static func typeSize(_ type: UInt16) -> Int {
        switch type {
        case 1, 2, 6, 7: 1        // BYTE, ASCII, SBYTE, UNDEFINED
        case 3, 8: 2              // SHORT, SSHORT
        case 4, 9, 11, 13: 4      // LONG, SLONG, FLOAT, IFD
        case 5, 10, 12: 8         // RATIONAL, SRATIONAL, DOUBLE
        default: 0
        }
    }

    // MARK: Reading values

    public func entry(_ tag: UInt16, in directory: Directory) -> Entry? {
        entries[directory]?.first { $0.tag == tag }
    }

    /// The first value of a BYTE, SHORT or LONG entry.
    public func integer(_ tag: UInt16, in directory: Directory) -> Int? {
        guard let entry = entry(tag, in: directory), entry.count >= 1 else { return nil }
        let reader = ByteReader(bytes: bytes, bigEndian: isBigEndian)
        switch entry.type {
        case 1: return Int(bytes[entry.valueOffset])
        case 3: return (try? reader.u16(at: entry.valueOffset)).map(Int.init)
        case 4: return (try? reader.u32(at: entry.valueOffset)).map(Int.init)
        default: return nil
        }
    }

    /// An ASCII entry without its terminating NUL.
    public func string(_ tag: UInt16, in directory: Directory) -> String? {
        guard let entry = entry(tag, in: directory), entry.type == 2 else { return nil }
        let raw = bytes[entry.valueOffset..<(entry.valueOffset + entry.valueLength)]
        return String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// The raw value bytes of an entry, in the block's byte order.
    public func rawValue(_ tag: UInt16, in directory: Directory) -> [UInt8]? {
        guard let entry = entry(tag, in: directory), entry.valueLength > 0 else { return nil }
        return Array(bytes[entry.valueOffset..<(entry.valueOffset + entry.valueLength)])
    }

    /// Tag 0x0112; `nil` when absent or outside 1…8.
    public var orientation: ExifOrientation? {
        integer(Tag.orientation, in: .ifd0).flatMap(ExifOrientation.init(rawValue:))
    }

    /// Whether an IFD1 (thumbnail directory) is linked from IFD0.
    public var hasThumbnailDirectory: Bool { entries[.ifd1] != nil || readLink() != 0 }

    private func readLink() -> Int {
        (try? ByteReader(bytes: bytes, bigEndian: isBigEndian).u32(at: ifd0NextLink)).map(Int.init) ?? 0
    }

    // MARK: Editing

    /// Makes the block describe an upright `width` × `height` image: orientation 1 (when the tag
    /// exists), pixel dimensions updated where they are recorded, and the thumbnail — which shows
    /// the old, unturned picture — unlinked, its bytes erased and, when it sits at the end as
    /// cameras place it, cut off.
    ///
    /// Throws, leaving the block unchanged, if the edited block would not parse back with
    /// orientation 1 — the caller then drops it rather than write EXIF that could still turn
    /// the picture.
    public mutating func makeUpright(width: Int, height: Int) throws(Malformed) {
        let original = self
        applyUpright(width: width, height: height)
        let check = try? ExifBlock(bytes)
        guard let check, check.orientation == nil || check.orientation == .topLeft, !check.hasThumbnailDirectory else {
            self = original
            throw Malformed(description: "EXIF block does not survive being made upright")
        }
        self = check
    }

    private mutating func applyUpright(width: Int, height: Int) {
        if let entry = entry(Tag.orientation, in: .ifd0) { setInline(entry, short: 1) }
        for (tag, directory, value) in [(Tag.pixelXDimension, Directory.exif, width),
                                        (Tag.pixelYDimension, .exif, height),
                                        (Tag.imageWidth, .ifd0, width),
                                        (Tag.imageLength, .ifd0, height)] {
            if let entry = entry(tag, in: directory) { setInline(entry, long: UInt32(clamping: value)) }
        }
        dropThumbnail()
    }

    private mutating func dropThumbnail() {
        guard readLink() != 0 || entries[.ifd1] != nil else { return }
        write32(0, at: ifd0NextLink)
        var erased: [Range<Int>] = extents[.ifd1] ?? []
        if let ifd1 = entries[.ifd1] {
            let reader = ByteReader(bytes: bytes, bigEndian: isBigEndian)
            if let offset = integer(Tag.thumbnailOffset, in: .ifd1), let length = integer(Tag.thumbnailLength, in: .ifd1),
               offset >= 8, length >= 0, offset <= bytes.count, length <= bytes.count - offset {
                erased.append(offset..<(offset + length))
            }
            // Uncompressed thumbnails: one strip is the common case.
            if let strips = ifd1.first(where: { $0.tag == Tag.stripOffsets }), strips.count == 1,
               let counts = ifd1.first(where: { $0.tag == Tag.stripByteCounts }), counts.count == 1,
               let offset = try? Self.value(strips, reader), let length = try? Self.value(counts, reader),
               offset >= 8, offset <= bytes.count, length <= bytes.count - offset {
                erased.append(offset..<(offset + length))
            }
        }
        // The 8-byte header is kept too: a hostile IFD1 may point its values into it (found by fuzzing).
        let kept = [0..<8] + Directory.allCases.filter { $0 != .ifd1 }.flatMap { extents[$0] ?? [] }
        for range in erased {
            // Never erase bytes a kept directory also points at (a hostile block may overlap them).
            guard !kept.contains(where: { $0.overlaps(range) }) else { continue }
            for i in range { bytes[i] = 0 }
        }
        let keptEnd = kept.map(\.upperBound).max() ?? 8
        if let cut = erased.map(\.lowerBound).min(), cut >= keptEnd, cut < bytes.count {
            bytes.removeSubrange(cut...)
        }
        entries[.ifd1] = nil
        extents[.ifd1] = nil
    }

    private static func value(_ entry: Entry, _ reader: ByteReader) throws(Malformed) -> Int {
        switch entry.type {
        case 3: Int(try reader.u16(at: entry.valueOffset))
        case 4: Int(try reader.u32(at: entry.valueOffset))
        default: throw Malformed(description: "not an integer")
        }
    }

    /// Rewrites an entry as one SHORT held inside the entry.
    private mutating func setInline(_ entry: Entry, short value: UInt16) {
        write16(3, at: entry.entryOffset + 2)
        write32(1, at: entry.entryOffset + 4)
        write32(0, at: entry.entryOffset + 8)
        write16(value, at: entry.entryOffset + 8)
    }

    /// Rewrites an entry as one LONG held inside the entry (a SHORT cannot hold 4× most widths).
    private mutating func setInline(_ entry: Entry, long value: UInt32) {
        write16(4, at: entry.entryOffset + 2)
        write32(1, at: entry.entryOffset + 4)
        write32(value, at: entry.entryOffset + 8)
    }

    private mutating func write16(_ value: UInt16, at offset: Int) {
        let b = [UInt8(value >> 8), UInt8(value & 0xFF)]
        bytes[offset] = isBigEndian ? b[0] : b[1]
        bytes[offset + 1] = isBigEndian ? b[1] : b[0]
    }

    private mutating func write32(_ value: UInt32, at offset: Int) {
        for i in 0..<4 {
            let shift = isBigEndian ? UInt32(24 - 8 * i) : UInt32(8 * i)
            bytes[offset + i] = UInt8(truncatingIfNeeded: value >> shift)
        }
    }
}

/// Bounds-checked integer reads in either byte order.
struct ByteReader {
    let bytes: [UInt8]
    let bigEndian: Bool

    func check(_ offset: Int, length: Int) throws(ExifBlock.Malformed) {
        guard offset >= 0, length >= 0, offset <= bytes.count, length <= bytes.count - offset else {
            throw ExifBlock.Malformed(description: "EXIF offset \(offset) + \(length) lies outside the \(bytes.count)-byte block")
        }
    }

    func u16(at offset: Int) throws(ExifBlock.Malformed) -> UInt16 {
        try check(offset, length: 2)
        let a = UInt16(bytes[offset]), b = UInt16(bytes[offset + 1])
        return bigEndian ? a << 8 | b : b << 8 | a
    }

    func u32(at offset: Int) throws(ExifBlock.Malformed) -> UInt32 {
        try check(offset, length: 4)
        var value: UInt32 = 0
        for i in 0..<4 {
            let byte = UInt32(bytes[offset + (bigEndian ? i : 3 - i)])
            value = value << 8 | byte
        }
        return value
    }
}
