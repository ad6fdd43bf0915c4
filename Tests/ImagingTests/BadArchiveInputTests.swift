/// The TIFF and WebP counterparts of `BadInputTests`: broken and hostile files fail with one
/// typed error naming the file (libtiff's and libwebp's own messages, never printed), and a
/// header declaring a huge image is refused before any pixel memory exists.
import Foundation
import Testing
import Imaging
import TestSupport

@Suite("Bad TIFF and WebP inputs")
struct BadArchiveInputTests {
    private func decodeFully(_ path: String) throws {
        let reader = try ImageReader(path: path)
        var rows: [UInt8] = []
        while try reader.readRows(count: 16, into: &rows) > 0 {}
    }

    private func validTIFF(in scratch: ScratchDirectory) throws -> [UInt8] {
        let info = ImageInfo(width: 48, height: 40, channels: 3, bitDepth: 8, format: .tiff)
        return try Synthetic.encoded(info, samples: Synthetic.samples8(width: 48, height: 40, channels: 3), in: scratch)
    }

    private func validWebP(in scratch: ScratchDirectory, lossless: Bool) throws -> [UInt8] {
        let info = ImageInfo(width: 48, height: 40, channels: 3, bitDepth: 8, format: .webp, isLossless: lossless)
        return try Synthetic.encoded(info, samples: Synthetic.samples8(width: 48, height: 40, channels: 3), in: scratch)
    }

    /// A gray 8-bit page whose strip is where `offsets` say.
    private func tiff(width: Int = 8, height: Int = 8, extra: [UInt16: TIFFBuilder.Value] = [:],
                      configure: (inout TIFFBuilder) -> Void = { _ in }) -> [UInt8] {
        var builder = TIFFBuilder()
        builder.addPage(width: width, height: height, bitsPerSample: [8], photometric: 1,
                        strip: [UInt8](repeating: 7, count: 64), extra: extra)
        configure(&builder)
        return builder.bytes()
    }

    @Test("zero-byte .tif and .webp files are empty", arguments: ["zero.tif", "zero.webp"])
    func zeroBytes(name: String) throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write([], to: name)
        expectFailure(.empty, naming: path) { try decodeFully(path) }
    }

    @Test("a TIFF cut inside its header, its pixels or its directory is truncated", arguments: [3, 7, 0.3, 0.97] as [Double])
    func truncatedTIFF(cut: Double) throws {
        let scratch = try ScratchDirectory()
        let bytes = try validTIFF(in: scratch)
        let keep = cut < 1 ? Int(Double(bytes.count) * cut) : Int(cut)
        let path = try scratch.write(Array(bytes.prefix(keep)), to: "cut.tif")
        expectFailure(.truncated, naming: path) { try decodeFully(path) }
    }

    @Test("a WebP cut anywhere is truncated", arguments: [10, 30, 0.5, 0.95] as [Double])
    func truncatedWebP(cut: Double) throws {
        let scratch = try ScratchDirectory()
        for lossless in [false, true] {
            let bytes = try validWebP(in: scratch, lossless: lossless)
            let keep = cut < 1 ? Int(Double(bytes.count) * cut) : Int(cut)
            let path = try scratch.write(Array(bytes.prefix(keep)), to: "cut-\(lossless).webp")
            expectFailure(.truncated, naming: path) { try decodeFully(path) }
        }
    }

    @Test("a first directory beyond the end of the file is refused")
    func directoryOutOfRange() throws {
        let scratch = try ScratchDirectory()
        var bytes = tiff()
        bytes.replaceSubrange(4..<8, with: [0x00, 0x00, 0x10, 0x00])   // IFD0 at 1 MB
        let path = try scratch.write(bytes, to: "far-ifd.tif")
        let error = expectFailure(.truncated, naming: path) { try decodeFully(path) }
        #expect(error?.detail.contains("libtiff") == true, "\(String(describing: error))")
    }

    @Test("a directory chain that loops back is not followed forever: a page pointing at itself is one page, two pointing at each other are two",
          arguments: [1, 2])
    func loopingDirectories(pages: Int) throws {
        let scratch = try ScratchDirectory()
        let bytes = tiff { builder in
            if pages == 2 { builder.addPage(width: 8, height: 8, bitsPerSample: [8], photometric: 1, strip: [UInt8](repeating: 1, count: 64)) }
            builder.loopsBack = true
        }
        let path = try scratch.write(bytes, to: "loop-\(pages).tif")
        if pages == 1 {
            #expect(try readAll8(path).1 == [UInt8](repeating: 7, count: 64))
        } else {
            let error = expectFailure(.unsupportedFormat, naming: path) { try decodeFully(path) }
            #expect(error?.detail.contains("multi-page TIFF (2 pages)") == true, "\(String(describing: error))")
        }
    }

    @Test("strip and tile offsets past the end of the file are truncated data", arguments: ["strip", "tile"])
    func offsetsPastTheEnd(layout: String) throws {
        let scratch = try ScratchDirectory()
        let extra: [UInt16: TIFFBuilder.Value] = layout == "strip"
            ? [273: .long([1_000_000])]
            : [322: .long([16]), 323: .long([16]), 324: .long([1_000_000]), 325: .long([256]), 278: .long([0])]
        var builder = TIFFBuilder()
        builder.addPage(width: 16, height: 16, bitsPerSample: [8], photometric: 1, strip: [UInt8](repeating: 7, count: 256), extra: extra)
        if layout == "tile" { builder.pages[0].tags[278] = nil; builder.pages[0].tags[273] = .long([]); builder.pages[0].tags[279] = .long([]) }
        let path = try scratch.write(builder.bytes(), to: "\(layout)-past-end.tif")
        expectFailure(.truncated, naming: path) { try decodeFully(path) }
    }

    @Test("100000 x 100000 declared in a tiny TIFF, and 16384 x 16384 in a tiny WebP, are refused from the header")
    func hugeHeaders() throws {
        let scratch = try ScratchDirectory()
        let tiffPath = try scratch.write(tiff(width: 100_000, height: 100_000, extra: [259: .short([8])]), to: "huge.tif")
        var error = expectFailure(.tooLarge, naming: tiffPath) { _ = try ImageReader(path: tiffPath) }
        #expect(error?.detail.contains("100000 x 100000") == true, "\(String(describing: error))")

        // A lossless bitstream header: signature 0x2F, then 14 bits each of width-1 and height-1.
        let side: UInt32 = 16383
        let bits = side | side << 14
        let vp8l: [UInt8] = [0x2F] + (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * UInt32($0))) } + [UInt8](repeating: 0, count: 11)
        let riff = Array("WEBP".utf8) + Array("VP8L".utf8) + le32(vp8l.count) + vp8l
        let webpPath = try scratch.write(Array("RIFF".utf8) + le32(riff.count) + riff, to: "huge.webp")
        error = expectFailure(.tooLarge, naming: webpPath) { _ = try ImageReader(path: webpPath) }
        #expect(error?.detail.contains("16384 x 16384") == true, "\(String(describing: error))")
    }

    @Test("a Deflate strip that would inflate to 64 MB is inflated only as far as its 64 x 64 image needs")
    func deflateBomb() throws {
        let path = Fixture.path("deflate-bomb.tif")
        let (info, samples) = try readAll8(path, band: 64)
        #expect((info.width, info.height) == (64, 64) && samples.allSatisfy { $0 == 0 })
    }

    @Test("a WebP whose RIFF size claims more than the file holds is truncated; an image chunk claiming more than the RIFF is corrupt",
          arguments: ["RIFF", "image"])
    func lyingChunkSize(which: String) throws {
        let scratch = try ScratchDirectory()
        var bytes = try validWebP(in: scratch, lossless: false)
        let at = which == "RIFF" ? 4 : 16   // RIFF size, then the first chunk's (VP8 ) size
        bytes.replaceSubrange(at..<at + 4, with: le32(bytes.count * 4))
        let path = try scratch.write(bytes, to: "lying-\(which).webp")
        let error = expectFailure(which == "RIFF" ? .truncated : .corrupt, naming: path) { try decodeFully(path) }
        #expect(error?.detail.contains("WebP") == true, "\(String(describing: error))")
    }

    @Test("a WebP chunk that claims fewer bytes than its image needs is corrupt")
    func shortChunk() throws {
        let scratch = try ScratchDirectory()
        var bytes = try validWebP(in: scratch, lossless: true)
        let size = Int(bytes[16]) | Int(bytes[17]) << 8 | Int(bytes[18]) << 16
        let shorter = size / 2 & ~1
        bytes.replaceSubrange(16..<20, with: le32(shorter))
        bytes.replaceSubrange(4..<8, with: le32(4 + 8 + shorter))
        let path = try scratch.write(Array(bytes.prefix(20 + shorter)), to: "short-chunk.webp")
        let error = expectFailure(.corrupt, naming: path) { try decodeFully(path) }
        #expect(error?.detail.contains("libwebp") == true, "\(String(describing: error))")
    }

    private func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
}
