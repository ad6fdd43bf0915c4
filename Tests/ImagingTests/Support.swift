/// Shared test helpers: fixtures, throwaway directories, synthetic images,
/// and the one way every failure is checked (typed kind, path named, one line).
import Foundation
import Testing
import Imaging

enum Fixture {
    static func path(_ name: String) -> String {
        guard let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("Fixtures folder missing from the test bundle")
        }
        return folder.appendingPathComponent(name).path
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }
}

/// A fresh directory per test, removed when the test is done, so parallel
/// tests never see each other's files.
final class ScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "imaging-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let target = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    /// Everything in the directory, hidden files included.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: file(name))))
    }
}

/// Runs `body`, which must fail with an `ImageError` of `kind` whose one-line
/// description names `path`. Returns the error for further checks.
@discardableResult
func expectFailure(_ kind: ImageError.Kind, naming path: String,
                   sourceLocation: SourceLocation = #_sourceLocation,
                   _ body: () throws -> Void) -> ImageError? {
    let error = #expect(throws: ImageError.self, sourceLocation: sourceLocation) { try body() }
    guard let error else { return nil }
    #expect(error.kind == kind, "got \(error.kind): \(error)", sourceLocation: sourceLocation)
    #expect(error.path == path, sourceLocation: sourceLocation)
    #expect(error.description.contains(path), "\(error)", sourceLocation: sourceLocation)
    #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
    return error
}

enum Synthetic {
    /// Deterministic samples that use the full range and differ per
    /// channel, so swapped channels or byte orders show up.
    static func samples8(width: Int, height: Int, channels: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    out.append(UInt8(truncatingIfNeeded: x * 37 + y * 101 + c * 59 + (x * y) % 7))
                }
            }
        }
        return out
    }

    static func samples16(width: Int, height: Int, channels: Int) -> [UInt16] {
        var out: [UInt16] = []
        out.reserveCapacity(width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    out.append(UInt16(truncatingIfNeeded: x * 4099 + y * 25601 + c * 12345 + 0x0102))
                }
            }
        }
        return out
    }

    /// A smooth image JPEG can reproduce closely.
    static func smooth8(width: Int, height: Int, channels: Int) -> [UInt8] {
        var out: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    out.append(UInt8(40 + (x * 150 / width + y * 50 / height + c * 10) % 200))
                }
            }
        }
        return out
    }

    /// Writes an image with our own writer and returns its bytes.
    static func encoded(_ info: ImageInfo, samples: [UInt8], quality: Int = 92,
                        in scratch: ScratchDirectory) throws -> [UInt8] {
        let name = "source-\(UUID().uuidString).\(info.format.preferredPathExtension)"
        let writer = try ImageWriter(path: scratch.file(name), info: info, quality: quality)
        try writer.writeRows(samples)
        try writer.finish()
        let bytes = try scratch.bytes(name)
        try FileManager.default.removeItem(atPath: scratch.file(name))
        return bytes
    }

    /// A minimal ICC profile that libpng's consistency checks accept (right
    /// length, 'acsp', D50, colour space, no tags); it describes nothing.
    /// The noise padding matters: libpng 1.6.39 rejects an iCCP chunk shorter
    /// than 92 bytes as "too short" (it assumes an 81-byte keyword read), and
    /// a bare 132-byte header compresses below that. Real profiles are far
    /// larger. `padding: 0` is the exact profile in Fixtures/metadata.jpg.
    static func iccProfile(colorSpace: String = "RGB ", padding: Int = 128) -> [UInt8] {
        var state: UInt32 = 7
        let noise = (0..<padding).map { _ -> UInt8 in
            state = state &* 1_103_515_245 &+ 12345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
        var header = [UInt8](repeating: 0, count: 132) + noise
        func put(_ value: UInt32, at offset: Int) {
            for i in 0..<4 { header[offset + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(i))) }
        }
        put(UInt32(header.count), at: 0)
        header[8] = 2; header[9] = 0x10
        header.replaceSubrange(12..<16, with: Array("mntr".utf8))
        header.replaceSubrange(16..<20, with: Array(colorSpace.utf8))
        header.replaceSubrange(20..<24, with: Array("XYZ ".utf8))
        header.replaceSubrange(36..<40, with: Array("acsp".utf8))
        put(63190, at: 68); put(65536, at: 72); put(54061, at: 76)
        return header
    }

    /// A big-endian TIFF with one IFD0 entry: Orientation = 6.
    static let exif: [UInt8] = [0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,
                                0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
                                0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]

    static let xmp = Array(#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>"#.utf8)
}

/// Reads a whole image through the streaming API in bands of `band` rows.
func readAll8(_ path: String, band: Int = 3) throws -> (ImageInfo, [UInt8]) {
    let reader = try ImageReader(path: path)
    var all: [UInt8] = []
    var rows: [UInt8] = []
    while try reader.readRows(count: band, into: &rows) > 0 {
        all += rows
    }
    return (reader.info, all)
}

func readAll16(_ path: String, band: Int = 3) throws -> (ImageInfo, [UInt16]) {
    let reader = try ImageReader(path: path)
    var all: [UInt16] = []
    var rows: [UInt16] = []
    while try reader.readRows(count: band, into: &rows) > 0 {
        all += rows
    }
    return (reader.info, all)
}

func meanAbsoluteDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
    precondition(a.count == b.count)
    let total = zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
    return Double(total) / Double(a.count)
}

/// Expected samples for a `width`×`height` image whose pixel at (x, y) is
/// `pixel(x, y)`, row by row.
func image<Sample: FixedWidthInteger>(_ width: Int, _ height: Int, as _: Sample.Type = UInt8.self,
                                      _ pixel: (Int, Int) -> [Int]) -> [Sample] {
    var out: [Sample] = []
    for y in 0..<height {
        for x in 0..<width {
            for value in pixel(x, y) { out.append(Sample(value)) }
        }
    }
    return out
}
