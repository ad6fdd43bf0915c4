/// The writer's promise: the destination appears only complete, and every
/// way of not finishing leaves no file at all, not even the temporary one.
import Foundation
import Testing
import Imaging
import Storage

@Suite("ImageWriter atomicity")
struct ImageWriterTests {
    let info = ImageInfo(width: 8, height: 6, channels: 3, bitDepth: 8, format: .png)
    var samples: [UInt8] { Synthetic.samples8(width: 8, height: 6, channels: 3) }

    @Test("while writing, only a hidden .enh-….tmp file exists beside the destination")
    func temporaryBesideDestination() throws {
        let scratch = try ScratchDirectory()
        let writer = try ImageWriter(path: scratch.file("out.png"), info: info)
        try writer.writeRows(Array(samples.prefix(info.samplesPerRow * 2)))
        let during = try scratch.contents()
        #expect(during.count == 1)
        #expect(during.first.map(TemporaryName.isTemporary) == true)
        #expect(writer.temporaryPath == scratch.file(during[0]))

        try writer.writeRows(Array(samples.dropFirst(info.samplesPerRow * 2)))
        try writer.finish()
        #expect(try scratch.contents() == ["out.png"])
        #expect(try readAll8(scratch.file("out.png")).1 == samples)
    }

    @Test("a writer dropped without finish() leaves nothing")
    func droppedWriter() throws {
        let scratch = try ScratchDirectory()
        do {
            let writer = try ImageWriter(path: scratch.file("out.png"), info: info)
            try writer.writeRows(Array(samples.prefix(info.samplesPerRow)))
        }
        #expect(try scratch.contents().isEmpty)
    }

    @Test("cancel() removes the temporary file")
    func cancelled() throws {
        let scratch = try ScratchDirectory()
        let writer = try ImageWriter(path: scratch.file("out.png"), info: info)
        try writer.writeRows(samples)
        writer.cancel()
        #expect(try scratch.contents().isEmpty)
        expectFailure(.invalidArgument, naming: scratch.file("out.png")) { try writer.finish() }
    }

    @Test("finishing with rows missing fails and leaves nothing")
    func missingRows() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("short.png")
        let writer = try ImageWriter(path: path, info: info)
        try writer.writeRows(Array(samples.prefix(info.samplesPerRow * 3)))
        let error = expectFailure(.invalidArgument, naming: path) { try writer.finish() }
        #expect(error?.detail.contains("3 of 6") == true)
        #expect(try scratch.contents().isEmpty)
    }

    @Test("too many rows, ragged rows or the wrong sample type fail and leave nothing")
    func misuse() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("bad.png")

        let tooMany = try ImageWriter(path: path, info: info)
        expectFailure(.invalidArgument, naming: path) { try tooMany.writeRows(samples + samples) }
        #expect(try scratch.contents().isEmpty)

        let ragged = try ImageWriter(path: path, info: info)
        expectFailure(.invalidArgument, naming: path) { try ragged.writeRows(Array(samples.dropLast())) }
        #expect(try scratch.contents().isEmpty)

        let wrongType = try ImageWriter(path: path, info: info)
        expectFailure(.invalidArgument, naming: path) { try wrongType.writeRows([UInt16](repeating: 0, count: 24)) }
        #expect(try scratch.contents().isEmpty)
    }

    @Test("an existing file is replaced only when the new one is complete")
    func replacesAtomically() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write(Array("old".utf8), to: "out.png")
        let writer = try ImageWriter(path: path, info: info)
        try writer.writeRows(samples)
        #expect(try scratch.bytes("out.png") == Array("old".utf8))
        try writer.finish()
        #expect(try readAll8(path).1 == samples)
        #expect(try scratch.contents() == ["out.png"])
    }

    @Test("a missing output directory is a write failure naming the destination")
    func missingDirectory() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("nowhere/out.png")
        expectFailure(.writeFailed, naming: path) { _ = try ImageWriter(path: path, info: info) }
        #expect(try scratch.contents().isEmpty)
    }

    @Test("a destination that is a directory fails at the rename, leaving the directory alone")
    func destinationIsDirectory() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("taken.png")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let writer = try ImageWriter(path: path, info: info)
        try writer.writeRows(samples)
        expectFailure(.isDirectory, naming: path) { try writer.finish() }
        #expect(try scratch.contents() == ["taken.png"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: path).isEmpty)
    }

    @Test("each writer gets its own hidden temporary name in the destination's directory")
    func temporaryName() throws {
        let scratch = try ScratchDirectory()
        let first = try ImageWriter(path: scratch.file("out.png"), info: info)
        let second = try ImageWriter(path: scratch.file("out.png"), info: info)
        for writer in [first, second] {
            #expect(writer.temporaryPath.hasPrefix(scratch.path + "/" + TemporaryName.prefix))
        }
        #expect(first.temporaryPath != second.temporaryPath)
        #expect(try scratch.contents().count == 2)
    }
}
