/// EXIF, XMP and ICC travel through the codecs as raw bytes: found on read,
/// written back on save, in both formats.
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
}
