/// Decoding from the descriptor that was checked, not from whatever the name points at later.
import Foundation
import Imaging
import Storage
import Testing

@Suite("Decoding from an open descriptor")
struct DescriptorDecodingTests {
    static func writeImage(_ path: String, format: ImageFormat, seed: Int) throws -> [UInt8] {
        let info = ImageInfo(width: 13, height: 7, channels: 3, bitDepth: 8, format: format)
        let samples = (0..<(info.samplesPerRow * info.height)).map { UInt8(truncatingIfNeeded: $0 * 7 + seed * 50) }
        let writer = try ImageWriter(path: path, info: info, quality: 95)
        try writer.writeRows(samples)
        try writer.finish()
        return samples
    }

    static func decode(_ reader: ImageReader) throws -> [UInt8] {
        var samples: [UInt8] = []
        try reader.readRows(count: reader.info.height, into: &samples)
        return samples
    }

    @Test("a descriptor gives the same pixels and metadata as the path", arguments: [ImageFormat.png, .jpeg])
    func samePixels(format: ImageFormat) throws {
        let folder = try TemporaryFolder()
        let path = folder.file(format == .png ? "photo.png" : "photo.jpg")
        _ = try Self.writeImage(path, format: format, seed: 1)
        let byPath = try ImageReader(path: path)
        let file = try SecureFile.open(path: path, under: folder.path)
        let byDescriptor = try ImageReader(descriptor: file.descriptor, path: path)
        #expect(byDescriptor.info == byPath.info)
        #expect(byDescriptor.metadata == byPath.metadata)
        #expect(try Self.decode(byDescriptor) == Self.decode(byPath))
    }

    @Test("swapping the name after the open does not change what is decoded")
    func swapAfterOpen() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("photo.png")
        let original = try Self.writeImage(path, format: .png, seed: 1)
        let file = try SecureFile.open(path: path, under: folder.path)
        _ = try Self.writeImage(folder.file("other.png"), format: .png, seed: 2)
        #expect(rename(folder.file("other.png"), path) == 0)
        let reader = try UprightReader(descriptor: file.descriptor, path: path)
        var floats: [Float] = []
        try reader.readRows(count: reader.info.height, into: &floats)
        #expect(floats.map { UInt8($0) } == original)
    }

    @Test("the reader decodes from the first byte and leaves the caller's descriptor open")
    func descriptorStaysOpen() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("photo.png")
        let samples = try Self.writeImage(path, format: .png, seed: 3)
        let file = try SecureFile.open(path: path, under: folder.path)
        #expect(lseek(file.descriptor, 5, SEEK_SET) == 5)  // someone read a little first
        do {
            let reader = try ImageReader(descriptor: file.descriptor, path: path)
            #expect(try Self.decode(reader) == samples)
        }
        #expect(fcntl(file.descriptor, F_GETFD) >= 0, "still open after the reader is gone")
        let again = try ImageReader(descriptor: file.descriptor, path: path)
        #expect(try Self.decode(again) == samples)
    }

    @Test("errors from a descriptor name the path given")
    func errorsNamePath() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("not an image at all", to: "fake.png")
        let file = try SecureFile.open(path: path, under: folder.path)
        let error = #expect(throws: ImageError.self) { _ = try ImageReader(descriptor: file.descriptor, path: path) }
        #expect(error?.kind == .unsupportedFormat)
        #expect(error?.description.contains(path) == true)
    }
}
