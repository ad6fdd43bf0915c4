/// A temporary name must never be the reason a legal output name fails.
import Foundation
import Imaging
import Storage
import Testing

@Suite("Temporary names that always fit")
struct NameLengthTests {
    @Test("a temporary name is 25 bytes whatever the final name, and is recognised as ours")
    func shape() {
        let name = TemporaryName.make()
        #expect(name.utf8.count == 25)
        #expect(name.hasPrefix(".enh-") && name.hasSuffix(".tmp"))
        #expect(TemporaryName.isTemporary(name))
        #expect(TemporaryName.make() != name)
    }

    @Test("names that are not exactly our shape are not ours", arguments: [
        "photo.png", ".enh-.tmp", ".enh-0123456789abcdeg.tmp", ".enh-0123456789ABCDEF.tmp",
        ".enh-0123456789abcdef.tmp.png", "x.enh-0123456789abcdef.tmp", ".photo.png.partial-1f2e",
        ".enh-0123456789abcde.tmp",
    ])
    func notOurs(name: String) {
        #expect(!TemporaryName.isTemporary(name))
    }

    @Test("a 250-byte final name writes fine (the old temporary would have been 276 bytes)")
    func longNameWrites() throws {
        let folder = try TemporaryFolder()
        let name = String(repeating: "a", count: 246) + ".xmp"
        #expect(name.utf8.count == 250)
        try AtomicFile.write(Array("sidecar".utf8), to: folder.file(name))
        #expect(try folder.contents() == [name])
        #expect(try folder.text(name) == "sidecar")
    }

    @Test("a 255-byte image name encodes and commits")
    func longImageName() throws {
        let folder = try TemporaryFolder()
        let name = String(repeating: "b", count: 251) + ".png"
        let info = ImageInfo(width: 2, height: 2, channels: 1, bitDepth: 8, format: .png)
        let writer = try ImageWriter(path: folder.file(name), info: info)
        try writer.writeRows([UInt8](repeating: 7, count: 4))
        try writer.finish()
        #expect(try folder.contents() == [name])
    }

    @Test("a 256-byte name fails at once with an error naming it, and creates nothing")
    func tooLong() throws {
        let folder = try TemporaryFolder()
        let path = folder.file(String(repeating: "c", count: 252) + ".xmp")
        let error = expectStorageFailure(.nameTooLong, naming: path) {
            try AtomicFile.write([1, 2, 3], to: path)
        }
        #expect(error?.description.contains("name too long for this filesystem") == true)
        #expect(error?.isPermanent == true)
        #expect(try folder.contents().isEmpty)
    }

    @Test("an image writer refuses a 256-byte name as a request that can never succeed")
    func tooLongImage() throws {
        let folder = try TemporaryFolder()
        let path = folder.file(String(repeating: "d", count: 252) + ".png")
        let info = ImageInfo(width: 2, height: 2, channels: 1, bitDepth: 8, format: .png)
        let error = #expect(throws: ImageError.self) { _ = try ImageWriter(path: path, info: info) }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.description.contains(path) == true)
        #expect(try folder.contents().isEmpty)
    }
}
