/// EXIF, XMP and ICC travel through the codecs as raw bytes: found on read,
/// written back on save, in both formats.
import Foundation
import Testing
import Imaging

@Suite("Metadata")
struct MetadataTests {
    @Test("EXIF and an ICC profile written by another encoder are found in a JPEG")
    func foreignJPEG() throws {
        let reader = try ImageReader(path: Fixture.path("metadata.jpg"))
        #expect(reader.metadata.exif == Synthetic.exif)
        #expect(reader.metadata.iccProfile == Synthetic.iccProfile(padding: 0))
        #expect(reader.metadata.xmp == nil)
    }

    @Test("files without metadata report none")
    func none() throws {
        #expect(try ImageReader(path: Fixture.path("baseline.jpg")).metadata.isEmpty)
        #expect(try ImageReader(path: Fixture.path("interlaced-rgb8.png")).metadata.isEmpty)
    }

    @Test("EXIF, XMP and ICC survive a write and read", arguments: [ImageFormat.png, .jpeg])
    func roundTrip(format: ImageFormat) throws {
        let scratch = try ScratchDirectory()
        let metadata = ImageMetadata(exif: Synthetic.exif, xmp: Synthetic.xmp, iccProfile: Synthetic.iccProfile())
        var image = PixelBuffer(width: 4, height: 4, channels: 3)
        image.metadata = metadata
        let path = scratch.file("meta.\(format.preferredPathExtension)")
        try image.save(path: path)
        #expect(try PixelBuffer.load(path: path).metadata == metadata)
    }

    @Test("a large ICC profile is split over several JPEG segments and reassembled")
    func largeICC() throws {
        let scratch = try ScratchDirectory()
        var profile = Synthetic.iccProfile(padding: 0) + (0..<150_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let length = UInt32(profile.count)
        for i in 0..<4 { profile[i] = UInt8(truncatingIfNeeded: length >> (24 - 8 * UInt32(i))) }
        var image = PixelBuffer(width: 2, height: 2, channels: 3)
        image.metadata.iccProfile = profile
        let path = scratch.file("big-icc.jpg")
        try image.save(path: path)
        #expect(try ImageReader(path: path).metadata.iccProfile == profile)
    }

    @Test("EXIF too big for one JPEG segment is refused and no file is left")
    func oversizedEXIF() throws {
        let scratch = try ScratchDirectory()
        var image = PixelBuffer(width: 2, height: 2, channels: 3)
        image.metadata.exif = [UInt8](repeating: 0x4D, count: 70_000)
        let path = scratch.file("fat.jpg")
        expectFailure(.unsupportedFormat, naming: path) { try image.save(path: path) }
        #expect(try scratch.contents().isEmpty)
    }

    /// Two IPTC-IIM datasets (keyword, caption) and a resolution resource, as Photoshop writes it.
    static let iptc: [UInt8] = [0x1C, 2, 25, 0, 3] + Array("cat".utf8) + [0x1C, 2, 120, 0, 5] + Array("a cat".utf8)
    static let resolution: [UInt8] = Array("8BIM".utf8) + [0x03, 0xED, 0, 0, 0, 0, 0, 16] + [UInt8](repeating: 7, count: 16)

    @Test("IPTC and the other Photoshop resources of APP13 survive a JPEG write and read")
    func photoshopResources() throws {
        let scratch = try ScratchDirectory()
        var image = PixelBuffer(width: 2, height: 2, channels: 3)
        image.metadata.iptc = Self.iptc
        image.metadata.photoshopResources = Self.resolution
        let path = scratch.file("iptc.jpg")
        try image.save(path: path)
        let metadata = try ImageReader(path: path).metadata
        #expect(metadata.iptc == Self.iptc)
        #expect(metadata.photoshopResources == Self.resolution)
    }

    @Test("a JPEG whose APP13 resource block does not parse keeps the photo and drops only the block")
    func brokenPhotoshopBlock() throws {
        let scratch = try ScratchDirectory()
        var image = PixelBuffer(width: 2, height: 2, channels: 3)
        // A resource claiming 4 GB: the reader must not trust it.
        image.metadata.photoshopResources = Array("8BIM".utf8) + [0x04, 0x04, 0, 0, 0xFF, 0xFF, 0xFF, 0xF0, 1, 2]
        let path = scratch.file("bad-irb.jpg")
        try image.save(path: path)
        let reader = try ImageReader(path: path)
        #expect(reader.metadata.iptc == nil && reader.metadata.photoshopResources == nil)
        #expect(reader.info.width == 2)
    }

    @Test("an XMP iTXt chunk after the image data is found, as one before it is")
    func xmpAfterImageData() throws {
        let scratch = try ScratchDirectory()
        var image = PixelBuffer(width: 3, height: 2, channels: 3)
        image.metadata = ImageMetadata(exif: Synthetic.exif, xmp: Synthetic.xmp)
        let before = scratch.file("before.png")
        try image.save(path: before)
        #expect(try ImageReader(path: before).metadata.xmp == Synthetic.xmp)
        // The same file with its iTXt chunk moved behind the IDAT chunks.
        var chunks = Self.chunks(try scratch.bytes("before.png"))
        let text = try #require(chunks.firstIndex { $0.type == "iTXt" })
        let moved = chunks.remove(at: text)
        chunks.insert(moved, at: try #require(chunks.lastIndex { $0.type == "IDAT" }) + 1)
        #expect(chunks.map(\.type).suffix(3) == ["IDAT", "iTXt", "IEND"])
        let after = try scratch.write(Array(try scratch.bytes("before.png").prefix(8)) + chunks.flatMap(\.bytes), to: "after.png")
        let reader = try ImageReader(path: after)
        #expect(reader.metadata.xmp == Synthetic.xmp)
        #expect(reader.metadata.exif == Synthetic.exif)
        var rows: [UInt8] = []
        try reader.readRows(count: 2, into: &rows)
        #expect(rows.count == 18, "decoding continues where it was")
    }

    /// A PNG's chunks after the signature, each with its length, type, data and CRC bytes.
    static func chunks(_ png: [UInt8]) -> [(type: String, bytes: [UInt8])] {
        var result: [(String, [UInt8])] = []
        var at = 8
        while at + 12 <= png.count {
            let length = png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
            result.append((String(decoding: png[(at + 4)..<(at + 8)], as: UTF8.self), Array(png[at..<(at + 12 + length)])))
            at += 12 + length
        }
        return result
    }
}
