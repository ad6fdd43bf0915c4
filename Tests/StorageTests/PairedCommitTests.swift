/// An output never exists without its sidecar.
import Foundation
import Imaging
import Storage
import Testing

@Suite("Paired commit of an output and its sidecar")
struct PairedCommitTests {
    let info = ImageInfo(width: 4, height: 3, channels: 3, bitDepth: 8, format: .png)

    func encode(into pair: PairedCommit) throws {
        let writer = try ImageWriter(into: pair.output, info: info)
        try writer.writeRows([UInt8](repeating: 200, count: info.samplesPerRow * info.height))
        try writer.finish()
    }

    @Test("both appear together once both are complete")
    func bothAppear() throws {
        let folder = try TemporaryFolder()
        let pair = try PairedCommit(output: folder.file("out.png"), sidecar: folder.file("out.png.xmp"))
        try encode(into: pair)
        try pair.sidecar.write(Array("<x:xmpmeta/>".utf8))
        #expect(try folder.contents().allSatisfy(TemporaryName.isTemporary), "nothing visible before commit")
        try pair.commit()
        #expect(try folder.contents() == ["out.png", "out.png.xmp"])
        #expect(try folder.text("out.png.xmp") == "<x:xmpmeta/>")
        #expect(try ImageReader(path: folder.file("out.png")).info.width == 4)
    }

    @Test("when the sidecar cannot be written, neither file is left")
    func sidecarWriteFails() throws {
        let folder = try TemporaryFolder()
        do {
            let pair = try PairedCommit(output: folder.file("out.png"), sidecar: folder.file("out.png.xmp"))
            try encode(into: pair)
            // The injected failure: the sidecar's descriptor is gone, as after a failed write.
            pair.sidecar.discard()
            #expect(throws: StorageError.self) { try pair.sidecar.write(Array("<x/>".utf8)) }
            #expect(throws: StorageError.self) { try pair.commit() }
        }
        #expect(try folder.contents().isEmpty)
    }

    @Test("when the sidecar's rename fails (a folder in its place), neither file is left")
    func sidecarRenameFails() throws {
        let folder = try TemporaryFolder()
        _ = try folder.makeFolder("out.png.xmp/occupied")
        let pair = try PairedCommit(output: folder.file("out.png"), sidecar: folder.file("out.png.xmp"))
        try encode(into: pair)
        try pair.sidecar.write(Array("<x/>".utf8))
        expectStorageFailure(.system, naming: folder.file("out.png.xmp")) { try pair.commit() }
        #expect(try folder.contents() == ["out.png.xmp"])
        #expect(try folder.contents("out.png.xmp") == ["occupied"])
    }

    @Test("when the image's rename fails after the sidecar's, the sidecar is taken back")
    func outputRenameFails() throws {
        let folder = try TemporaryFolder()
        _ = try folder.makeFolder("out.png/occupied")
        let pair = try PairedCommit(output: folder.file("out.png"), sidecar: folder.file("out.png.xmp"))
        try encode(into: pair)
        try pair.sidecar.write(Array("<x/>".utf8))
        expectStorageFailure(.system, naming: folder.file("out.png")) { try pair.commit() }
        #expect(try folder.contents() == ["out.png"], "no sidecar, no temporary")
    }

    @Test("a crash between the two renames leaves a sidecar without image, and a temporary the cleaner removes")
    func crashBetweenRenames() throws {
        let folder = try TemporaryFolder()
        // What the folder holds if the process dies right after the sidecar's rename: the
        // sidecar under its name, the image still under an (unlocked, dead) temporary name.
        try folder.write("<x/>", to: "out.png.xmp")
        let leftover = try folder.write("half an image", to: TemporaryName.make())
        #expect(StaleTemporaries.remove(in: folder.path) == [(leftover as NSString).lastPathComponent])
        #expect(try folder.contents() == ["out.png.xmp"])
        // The job was never recorded as done; running it again replaces both.
        let pair = try PairedCommit(output: folder.file("out.png"), sidecar: folder.file("out.png.xmp"))
        try encode(into: pair)
        try pair.sidecar.write(Array("<y/>".utf8))
        try pair.commit()
        #expect(try folder.contents() == ["out.png", "out.png.xmp"])
        #expect(try folder.text("out.png.xmp") == "<y/>")
    }

    @Test("a name too long for either file fails before anything is created")
    func tooLong() throws {
        let folder = try TemporaryFolder()
        let output = folder.file(String(repeating: "e", count: 248) + ".png")  // 252 bytes: fits
        expectStorageFailure(.nameTooLong, naming: output + ".xmp") {  // 256 bytes: does not
            _ = try PairedCommit(output: output, sidecar: output + ".xmp")
        }
        #expect(try folder.contents().isEmpty)
    }
}
