/// EXIF is read and edited by our own small TIFF parser: what cameras write is understood, what
/// an upright enlarged copy needs is rewritten, and malformed blocks are refused, never trusted.
import Foundation
import Testing
import Imaging

@Suite("EXIF block")
struct ExifBlockTests {
    static let cameras = ["camera-p3.jpg", "camera-adobergb.png"]

    func exif(of fixture: String) throws -> [UInt8] {
        try #require(try ImageReader(path: Fixture.path(fixture)).metadata.exif)
    }

    @Test("a camera's EXIF is read in either byte order: orientation, date, GPS, dimensions, thumbnail",
          arguments: zip(cameras, [ExifOrientation.rightTop, .leftBottom]))
    func reads(fixture: String, orientation: ExifOrientation) throws {
        let block = try ExifBlock(try exif(of: fixture))
        #expect(block.isBigEndian == (fixture.hasSuffix(".jpg")))
        #expect(block.orientation == orientation)
        #expect(block.string(ExifBlock.Tag.dateTimeOriginal, in: .exif) == "2009:07:14 16:20:05")
        #expect(block.string(ExifBlock.Tag.make, in: .ifd0) == "Enhance Test Camera Co.")
        #expect(block.rawValue(ExifBlock.Tag.gpsLatitude, in: .gps)?.count == 24)
        #expect(block.integer(ExifBlock.Tag.pixelXDimension, in: .exif) == 12)
        #expect(block.integer(ExifBlock.Tag.pixelYDimension, in: .exif) == 9)
        #expect(block.hasThumbnailDirectory)
        #expect(block.integer(ExifBlock.Tag.thumbnailLength, in: .ifd1) ?? 0 > 100)
    }

    @Test("made upright: orientation 1, new pixel dimensions, thumbnail gone, everything else kept",
          arguments: cameras)
    func upright(fixture: String) throws {
        let original = try exif(of: fixture)
        let before = try ExifBlock(original)
        var block = before
        try block.makeUpright(width: 36, height: 48)
        let thumbnailLength = try #require(before.integer(ExifBlock.Tag.thumbnailLength, in: .ifd1))
        // Re-parse the bytes, as the next reader of the file would.
        let after = try ExifBlock(block.bytes)
        #expect(after.orientation == .topLeft)
        #expect(after.integer(ExifBlock.Tag.pixelXDimension, in: .exif) == 36)
        #expect(after.integer(ExifBlock.Tag.pixelYDimension, in: .exif) == 48)
        #expect(!after.hasThumbnailDirectory)
        #expect(after.bytes.count <= original.count - thumbnailLength, "the thumbnail's bytes are cut off")
        for (tag, directory) in [(ExifBlock.Tag.dateTimeOriginal, ExifBlock.Directory.exif), (ExifBlock.Tag.make, .ifd0),
                                 (ExifBlock.Tag.model, .ifd0)] {
            #expect(after.string(tag, in: directory) == before.string(tag, in: directory))
        }
        for tag in [ExifBlock.Tag.gpsLatitude, ExifBlock.Tag.gpsLongitude] {
            #expect(after.rawValue(tag, in: .gps) == before.rawValue(tag, in: .gps))
        }
    }

    @Test("ImageMetadata.upright rewrites EXIF and the XMP orientation, and keeps the ICC profile byte for byte")
    func metadataUpright() throws {
        let metadata = try ImageReader(path: Fixture.path("camera-p3.jpg")).metadata
        #expect(metadata.orientation == .rightTop)
        let upright = metadata.upright(width: 36, height: 48)
        #expect(upright.orientation == .topLeft)
        #expect(upright.iccProfile == metadata.iccProfile)
        let xmp = String(decoding: try #require(upright.xmp), as: UTF8.self)
        #expect(xmp.contains(#"tiff:Orientation="1""#) && !xmp.contains(#"tiff:Orientation="6""#))
        #expect(xmp.contains("Grandmother's garden"))
        #expect(upright.xmp?.count == metadata.xmp?.count)
    }

    @Test("the element spelling of tiff:Orientation is rewritten too")
    func xmpElement() {
        let packet = Array("<rdf:Description><tiff:Orientation>8</tiff:Orientation><x>8</x></rdf:Description>".utf8)
        let result = ImageMetadata(xmp: packet).upright(width: 1, height: 1).xmp
        #expect(result.map { String(decoding: $0, as: UTF8.self) }
                == "<rdf:Description><tiff:Orientation>1</tiff:Orientation><x>8</x></rdf:Description>")
    }

    /// A little-endian block: IFD0 at 8 with the given entries (tag, type, count, value) and link.
    static func block(_ entries: [(UInt16, UInt16, UInt32, UInt32)], link: UInt32 = 0, tail: [UInt8] = []) -> [UInt8] {
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        var bytes: [UInt8] = [0x49, 0x49, 0x2A, 0x00] + le32(8) + le16(UInt16(entries.count))
        for (tag, type, count, value) in entries { bytes += le16(tag) + le16(type) + le32(count) + le32(value) }
        return bytes + le32(link) + tail
    }

    @Test("malformed EXIF is refused, and then dropped rather than carried over or trusted",
          arguments: [
            ("too short", [0x4D, 0x4D, 0x00]),
            ("no byte-order mark", Array("Exif but not really, just text".utf8)),
            ("wrong magic", [0x49, 0x49, 0x2B, 0x00, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            ("IFD0 beyond the end", [0x49, 0x49, 0x2A, 0x00, 0xFF, 0xFF, 0, 0]),
            ("IFD0 overlapping the header", [0x49, 0x49, 0x2A, 0x00, 2, 0, 0, 0, 0, 0, 0, 0]),
            ("a million entries", [0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0, 0x40, 0x42, 0x0F, 0x00]),
            ("value outside the block", block([(0x010F, 2, 40, 0xFFFF_FF00)])),
            ("count that overflows", block([(0x010F, 5, 0xFFFF_FFFF, 26)])),
            ("EXIF directory pointing at IFD0 (a loop)", block([(0x8769, 4, 1, 8)])),
            ("GPS directory outside the block", block([(0x8825, 4, 1, 0x7FFF_FFFF)])),
            ("table cut off", Array(block([(0x0112, 3, 1, 6), (0x010F, 2, 4, 0x41414141)]).dropLast(6))),
          ] as [(String, [UInt8])])
    func malformed(name: String, bytes: [UInt8]) {
        #expect(throws: ExifBlock.Malformed.self, "\(name)") { try ExifBlock(bytes) }
        let metadata = ImageMetadata(exif: bytes, xmp: Synthetic.xmp)
        #expect(metadata.orientation == .topLeft)
        #expect(metadata.upright(width: 4, height: 4).exif == nil)
        #expect(metadata.upright(width: 4, height: 4).xmp == Synthetic.xmp)
    }

    @Test("a broken thumbnail directory loses only the thumbnail; an out-of-range orientation counts as none")
    func tolerated() throws {
        let brokenLink = Self.block([(0x0112, 3, 1, 6)], link: 0xFFFF_0000)
        var block = try ExifBlock(brokenLink)
        #expect(block.orientation == .rightTop)
        try block.makeUpright(width: 8, height: 8)
        #expect(try ExifBlock(block.bytes).orientation == .topLeft)
        #expect(!block.hasThumbnailDirectory)

        let selfLink = Self.block([(0x0112, 3, 1, 3)], link: 8)
        #expect(try ExifBlock(selfLink).orientation == .bottomRight)

        let nine = Self.block([(0x0112, 3, 1, 9)])
        #expect(try ExifBlock(nine).orientation == nil)
        #expect(ImageMetadata(exif: nine).orientation == .topLeft)
    }

    @Test("dimensions too large for a SHORT are stored as a LONG")
    func longDimensions() throws {
        // PixelXDimension as a SHORT of 4000 in an EXIF directory at offset 26.
        let exifIFD: [UInt8] = [1, 0, 0x02, 0xA0, 3, 0, 1, 0, 0, 0, 0xA0, 0x0F, 0, 0, 0, 0, 0, 0]
        var block = try ExifBlock(Self.block([(0x8769, 4, 1, 26)], tail: exifIFD))
        #expect(block.integer(ExifBlock.Tag.pixelXDimension, in: .exif) == 4000)
        try block.makeUpright(width: 16000, height: 12000)
        #expect(try ExifBlock(block.bytes).integer(ExifBlock.Tag.pixelXDimension, in: .exif) == 16000)
    }
}

@Suite("ICC colour space")
struct ICCColorSpaceTests {
    @Test("the profile's colour space is read from its header", arguments: ["RGB ", "GRAY", "CMYK"])
    func colorSpace(space: String) {
        #expect(ImageMetadata(iccProfile: Synthetic.iccProfile(colorSpace: space)).iccColorSpace
                == space.trimmingCharacters(in: .whitespaces))
        #expect(ImageMetadata(iccProfile: [1, 2, 3]).iccColorSpace == nil)
    }

    @Test("the Display P3 and Adobe RGB fixtures are RGB profiles")
    func fixtures() throws {
        for name in ["camera-p3.jpg", "camera-adobergb.png"] {
            #expect(try ImageReader(path: Fixture.path(name)).metadata.iccColorSpace == "RGB")
        }
    }
}
