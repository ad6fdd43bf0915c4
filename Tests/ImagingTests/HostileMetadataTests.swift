/// What a hostile file can make the decoder allocate or loop over is bounded, beyond the pixel
/// limit: metadata chunks, repeated segments, scans.
import Foundation
import Testing
import Imaging

@Suite("Hostile metadata")
struct HostileMetadataTests {
    /// Opens and reads every row, as the upscaler would.
    func decode(_ path: String) throws -> ImageReader {
        let reader = try ImageReader(path: path)
        var rows: [UInt8] = []
        while try reader.readRows(count: 16, into: &rows) > 0 {}
        return reader
    }

    @Test("a PNG chunk that inflates to 64 MB is dropped, the image still decodes",
          arguments: ["iccp-bomb.png", "ztxt-bomb.png"])
    func inflationBomb(fixture: String) throws {
        let reader = try decode(Fixture.path(fixture))
        #expect(reader.info.width == 8 && reader.metadata.iccProfile == nil)
    }

    /// JPEG segments are framed as FF Ex, a 2-byte length, then the payload.
    static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    @Test("of a thousand EXIF segments only the first is kept")
    func repeatedEXIF() throws {
        let scratch = try ScratchDirectory()
        let jpeg = try Fixture.bytes("baseline.jpg")
        let exif = Array("Exif\0\0".utf8) + Synthetic.exif
        var bytes = Array(jpeg.prefix(2)) + Self.segment(0xE1, exif)
        let filler = Array("Exif\0\0".utf8) + [0x4D, 0x4D, 0, 0x2A] + [UInt8](repeating: 0xEE, count: 20_000)
        for _ in 0..<1000 { bytes += Self.segment(0xE1, filler) }
        bytes += jpeg.dropFirst(2)
        let path = try scratch.write(bytes, to: "many-exif.jpg")
        let reader = try decode(path)
        #expect(reader.metadata.exif == Synthetic.exif)
    }

    @Test("duplicate or inconsistent ICC chunks give no profile rather than a wrong one")
    func inconsistentICC() throws {
        let scratch = try ScratchDirectory()
        let jpeg = try Fixture.bytes("baseline.jpg")
        let prefix = Array("ICC_PROFILE\0".utf8)
        // Chunk 1 of 2 twice, chunk 2 never: incomplete.
        var bytes = Array(jpeg.prefix(2))
        bytes += Self.segment(0xE2, prefix + [1, 2] + [UInt8](repeating: 1, count: 100))
        bytes += Self.segment(0xE2, prefix + [1, 2] + [UInt8](repeating: 2, count: 100))
        bytes += jpeg.dropFirst(2)
        let path = try scratch.write(bytes, to: "half-icc.jpg")
        #expect(try decode(path).metadata.iccProfile == nil)
    }

    @Test("an APP segment whose length is impossible is corrupt")
    func impossibleLength() throws {
        let scratch = try ScratchDirectory()
        let jpeg = try Fixture.bytes("baseline.jpg")
        let path = try scratch.write(Array(jpeg.prefix(2)) + [0xFF, 0xE1, 0x00, 0x01] + jpeg.dropFirst(2), to: "bad-app.jpg")
        expectFailure(.corrupt, naming: path) { _ = try decode(path) }
    }

    @Test("a progressive JPEG repeating a scan 600 times is refused, not decoded 600 times")
    func scanBomb() throws {
        let scratch = try ScratchDirectory()
        let jpeg = try Fixture.bytes("progressive.jpg")
        // The first scan: its SOS segment and entropy-coded data, up to the next marker.
        let sos = try #require((2..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xDA })
        var end = sos + 2 + (Int(jpeg[sos + 2]) << 8 | Int(jpeg[sos + 3]))
        while end < jpeg.count - 1, !(jpeg[end] == 0xFF && jpeg[end + 1] != 0 && !(0xD0...0xD7).contains(jpeg[end + 1])) {
            end += 1
        }
        let scan = Array(jpeg[sos..<end])
        var bytes = Array(jpeg[..<end])
        for _ in 0..<600 { bytes += scan }
        bytes += jpeg[end...]
        let path = try scratch.write(bytes, to: "scan-bomb.jpg")
        let error = expectFailure(.corrupt, naming: path) { _ = try decode(path) }
        #expect(error?.detail.contains("scans") == true, "\(String(describing: error))")
    }

    @Test("a side longer than 65535 pixels is refused even when the pixel count is allowed")
    func longSide() throws {
        let scratch = try ScratchDirectory()
        var bytes = try Fixture.bytes("huge-header.png")
        // IHDR width 100000 → 70000, height 100000 → 2; then fix the IHDR CRC.
        let ihdr = 12
        let size: [UInt8] = [0x00, 0x01, 0x11, 0x70, 0, 0, 0, 2]
        bytes.replaceSubrange((ihdr + 4)..<(ihdr + 12), with: size)
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes[ihdr..<(ihdr + 17)] {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        crc ^= 0xFFFF_FFFF
        bytes.replaceSubrange((ihdr + 17)..<(ihdr + 21), with: (0..<4).map { UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32($0))) })
        let path = try scratch.write(bytes, to: "long.png")
        let error = expectFailure(.tooLarge, naming: path) { _ = try ImageReader(path: path, maxPixels: 0) }
        #expect(error?.detail.contains("70000 x 2") == true, "\(String(describing: error))")
    }
}
