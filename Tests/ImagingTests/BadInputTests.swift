/// Files that are not images, or broken ones, fail with a typed error that
/// names the file, never with a crash, a hang or output on stderr.
import Foundation
import Testing
import Imaging

@Suite("Bad inputs")
struct BadInputTests {
    private func validPNG(in scratch: ScratchDirectory) throws -> [UInt8] {
        let info = ImageInfo(width: 32, height: 32, channels: 3, bitDepth: 8, format: .png)
        return try Synthetic.encoded(info, samples: Synthetic.samples8(width: 32, height: 32, channels: 3), in: scratch)
    }

    private func validJPEG(in scratch: ScratchDirectory) throws -> [UInt8] {
        let info = ImageInfo(width: 64, height: 48, channels: 3, bitDepth: 8, format: .jpeg)
        return try Synthetic.encoded(info, samples: Synthetic.samples8(width: 64, height: 48, channels: 3), in: scratch)
    }

    /// Reads every row, the way a caller would; some damage only shows late.
    private func decodeFully(_ path: String) throws {
        let reader = try ImageReader(path: path)
        var rows: [UInt8] = []
        while try reader.readRows(count: 16, into: &rows) > 0 {}
    }

    @Test("a zero-byte file is empty")
    func zeroBytes() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write([], to: "zero.png")
        expectFailure(.empty, naming: path) { try decodeFully(path) }
    }

    @Test("a PNG cut anywhere is truncated", arguments: [9, 20, 40, 0.5, -12, -1] as [Double])
    func truncatedPNG(cut: Double) throws {
        let scratch = try ScratchDirectory()
        let bytes = try validPNG(in: scratch)
        // Whole numbers ≥ 1 keep that many bytes, fractions keep that share,
        // negatives drop that many from the end (-12 removes exactly IEND).
        let keep = cut < 0 ? bytes.count + Int(cut) : cut < 1 ? Int(Double(bytes.count) * cut) : Int(cut)
        let path = try scratch.write(Array(bytes.prefix(keep)), to: "cut.png")
        expectFailure(.truncated, naming: path) { try decodeFully(path) }
    }

    @Test("a JPEG cut in its data, or missing only its end marker, is truncated", arguments: [0.5, 0.9, -2] as [Double])
    func truncatedJPEG(cut: Double) throws {
        let scratch = try ScratchDirectory()
        let bytes = try validJPEG(in: scratch)
        let keep = cut < 0 ? bytes.count + Int(cut) : Int(Double(bytes.count) * cut)
        let path = try scratch.write(Array(bytes.prefix(keep)), to: "cut.jpg")
        expectFailure(.truncated, naming: path) { try decodeFully(path) }
    }

    @Test("a progressive JPEG cut short fails already when opened")
    func truncatedProgressive() throws {
        let scratch = try ScratchDirectory()
        let bytes = try Fixture.bytes("progressive.jpg")
        let path = try scratch.write(Array(bytes.prefix(bytes.count * 2 / 3)), to: "cut-progressive.jpg")
        expectFailure(.truncated, naming: path) { _ = try ImageReader(path: path) }
    }

    @Test("random bytes are not a supported format")
    func randomBytes() throws {
        let scratch = try ScratchDirectory()
        var state: UInt32 = 12345
        let noise = (0..<4096).map { _ -> UInt8 in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
        let path = try scratch.write(noise, to: "noise.png")
        expectFailure(.unsupportedFormat, naming: path) { try decodeFully(path) }
    }

    @Test("text named .jpg is refused by content, not trusted by name")
    func textNamedJPEG() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write(Array("this is not a photo\n".utf8), to: "notes.jpg")
        expectFailure(.unsupportedFormat, naming: path) { try decodeFully(path) }
    }

    @Test("other image formats are named in the refusal")
    func gifNamed() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write(Array("GIF89a".utf8) + [UInt8](repeating: 0, count: 20), to: "anim.png")
        let error = expectFailure(.unsupportedFormat, naming: path) { try decodeFully(path) }
        #expect(error?.detail.contains("GIF") == true)
    }

    @Test("a directory named like an image is a directory")
    func directory() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("x.png")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        expectFailure(.isDirectory, naming: path) { try decodeFully(path) }
    }

    @Test("a path through a missing directory is not found")
    func missing() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("no-such-dir/photo.jpg")
        expectFailure(.notFound, naming: path) { try decodeFully(path) }
    }

    // Root reads a mode-000 file regardless, so under root (as in CI
    // containers) this in-process case cannot be provoked and is skipped;
    // EndToEndTests/HostileFileTests runs the real binary as `nobody` instead.
    @Test("a file without read permission is unreadable", .enabled(if: getuid() != 0, "root can read mode 000 files"))
    func unreadable() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write(try Fixture.bytes("baseline.jpg"), to: "locked.jpg")
        chmod(path, 0)
        defer { chmod(path, 0o644) }
        expectFailure(.unreadable, naming: path) { try decodeFully(path) }
    }

    @Test("corrupt Huffman data is refused instead of decoding to grey")
    func corruptHuffman() throws {
        let scratch = try ScratchDirectory()
        var bytes = try validJPEG(in: scratch)
        // Find the start-of-scan segment and overwrite the entropy-coded data
        // after its header with stuffed 0xFF bytes: a run of 1-bits is never
        // a valid Huffman code.
        let sos = try #require((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA })
        let dataStart = sos + 2 + (Int(bytes[sos + 2]) << 8 | Int(bytes[sos + 3]))
        for i in stride(from: dataStart + 10, to: min(dataStart + 200, bytes.count - 4), by: 2) {
            bytes[i] = 0xFF
            bytes[i + 1] = 0x00
        }
        let path = try scratch.write(bytes, to: "garbled.jpg")
        // libjpeg-turbo's fast path decodes a bad code as 0 silently; the
        // damage is caught when the scan then ends out of step with its
        // marker, so the message names corrupt data, not always Huffman.
        let error = expectFailure(.corrupt, naming: path) { try decodeFully(path) }
        #expect(error?.detail.contains("Corrupt JPEG data") == true, "\(String(describing: error))")
    }

    @Test("a wrong CRC is corrupt", arguments: ["IHDR", "IDAT"])
    func badCRC(chunk: String) throws {
        let scratch = try ScratchDirectory()
        var bytes = try validPNG(in: scratch)
        let type = Array(chunk.utf8)
        let at = try #require((8..<(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == type })
        let length = bytes[(at - 4)..<at].reduce(0) { $0 << 8 | Int($1) }
        bytes[at + 4 + length] ^= 0x5A  // first byte of the stored CRC; the data itself is intact
        let path = try scratch.write(bytes, to: "bad-crc.png")
        let error = expectFailure(.corrupt, naming: path) { try decodeFully(path) }
        #expect(error?.detail.contains("CRC") == true, "\(String(describing: error))")
    }

    @Test("a header declaring 100000 x 100000 pixels is refused at once, before allocating")
    func hugeHeader() throws {
        let path = Fixture.path("huge-header.png")
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            let error = expectFailure(.tooLarge, naming: path) { _ = try ImageReader(path: path) }
            #expect(error?.detail.contains("100000 x 100000") == true)
        }
        #expect(elapsed < .seconds(1))
    }

    @Test("the pixel limit is the caller's: exactly at the limit passes, one over fails")
    func pixelLimit() throws {
        let png = Fixture.path("palette-trns.png")  // 4 x 3
        #expect(try ImageReader(path: png, maxPixels: 12).info.pixelCount == 12)
        expectFailure(.tooLarge, naming: png) { _ = try ImageReader(path: png, maxPixels: 11) }

        let jpeg = Fixture.path("baseline.jpg")  // 16 x 16
        #expect(try ImageReader(path: jpeg, maxPixels: 256).info.pixelCount == 256)
        expectFailure(.tooLarge, naming: jpeg) { _ = try ImageReader(path: jpeg, maxPixels: 255) }
    }
}
