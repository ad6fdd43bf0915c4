/// write → fsync → rename → fsync(dir): the destination holds the old bytes or the new ones.
import Foundation
import Storage
import Testing

@Suite("Atomic writes and mode bits")
struct AtomicWriteTests {
    @Test("a whole-array write replaces the old file and leaves no temporary")
    func replaces() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("old", to: "model.safetensors")
        try AtomicFile.write(Array("new".utf8), to: path)
        #expect(try folder.text("model.safetensors") == "new")
        #expect(try folder.contents() == ["model.safetensors"])
    }

    @Test("a streamed file is invisible until commit, then appears whole")
    func streamed() throws {
        let folder = try TemporaryFolder()
        let file = try PendingFile(replacing: folder.file("out.bin"))
        try file.write(Array("part one, ".utf8))
        try file.write(Array("part two".utf8))
        #expect(try folder.contents() == [(file.temporaryPath as NSString).lastPathComponent])
        try file.commit()
        #expect(try folder.contents() == ["out.bin"])
        #expect(try folder.text("out.bin") == "part one, part two")
        #expect(file.descriptor == -1)
    }

    @Test("discard, or dropping the file uncommitted, leaves nothing")
    func discarded() throws {
        let folder = try TemporaryFolder()
        let kept = try folder.write("kept", to: "out.bin")
        let file = try PendingFile(replacing: kept)
        try file.write([1, 2, 3])
        file.discard()
        do {
            let dropped = try PendingFile(replacing: kept)
            try dropped.write([4])
        }
        #expect(try folder.contents() == ["out.bin"])
        #expect(try folder.text("out.bin") == "kept")
    }

    @Test("a commit onto a folder fails naming the destination, and removes the temporary")
    func commitOntoFolder() throws {
        let folder = try TemporaryFolder()
        let target = try folder.makeFolder("taken")
        _ = try folder.write("x", to: "taken/inside")
        let file = try PendingFile(replacing: target)
        try file.write([1])
        expectStorageFailure(.system, naming: target) { try file.commit() }
        #expect(try folder.contents() == ["taken"])
    }

    @Test("the mode given is applied, masked to 0o666 and by the umask", arguments: [
        0o600, 0o640, 0o644, 0o664, 0o666, 0o400,
    ] as [mode_t])
    func modeBits(mode: mode_t) throws {
        let folder = try TemporaryFolder()
        try AtomicFile.write([1], to: folder.file("a"), mode: mode)
        #expect(permissions(folder.file("a")) == mode & 0o666 & ~currentUmask())
        let streamed = try PendingFile(replacing: folder.file("b"), mode: mode)
        try streamed.commit()
        #expect(permissions(folder.file("b")) == mode & 0o666 & ~currentUmask())
    }

    @Test("set-id, sticky and execute bits of a source's mode never reach an output")
    func noSpecialBits() throws {
        let folder = try TemporaryFolder()
        try AtomicFile.write([1], to: folder.file("a"), mode: 0o6777)
        #expect(permissions(folder.file("a")) == 0o666 & ~currentUmask())
    }
}
