/// libFuzzer entry point: every input is treated as an image file and taken through what the
/// upscaler does before inference — open (format sniffing, header, metadata), read every row
/// upright (EXIF orientation applied), rewrite the metadata for an enlarged copy — and, since
/// the EXIF and XMP editors are our own code, also fed to them directly as raw blocks. What a
/// file carries is then written into a small TIFF and read back, because the TIFF writer
/// parses the EXIF block (any source's, so hostile) to copy its directories. The decoded
/// metadata, and the raw bytes as an XMP packet and as IPTC-IIM, also go through the XMP merge
/// (libxml2 behind CXML, our tree editor and writer, the IPTC parser).
/// Any crash, sanitizer report, leak or timeout is a finding; thrown errors are the expected
/// outcome for bad input.
import CFuzzDriver
import Foundation
import Imaging
import Metadata

#if canImport(Glibc)
import Glibc
#endif

/// Writes a 2×2 TIFF carrying `metadata` (the raw blocks, not made upright: the writer must
/// survive whatever a file holds) into shared memory and reads it back.
private func roundTripThroughTIFF(_ metadata: ImageMetadata) {
    let path = "/dev/shm/enhance-fuzz-out-\(getpid()).tif"
    defer { unlink(path) }
    let info = ImageInfo(width: 2, height: 2, channels: 3, bitDepth: 8, format: .tiff)
    guard let writer = try? ImageWriter(path: path, info: info, metadata: metadata) else { return }
    guard (try? writer.writeRows([UInt8](repeating: 128, count: 12))) != nil, (try? writer.finish()) != nil else { return }
    guard let back = try? ImageReader(path: path) else { fatalError("a TIFF we wrote does not read back") }
    if metadata.xmp != back.metadata.xmp || metadata.iccProfile != back.metadata.iccProfile {
        fatalError("XMP or ICC changed on the way through TIFF")
    }
}

/// The decoder takes paths, so inputs go through one file in shared memory (no disk I/O).
nonisolated(unsafe) private var scratch: (fd: Int32, path: String)? = nil

private func scratchFile() -> (fd: Int32, path: String) {
    if let scratch { return scratch }
    let path = "/dev/shm/enhance-fuzz-\(getpid())"
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    precondition(fd >= 0, "cannot create \(path)")
    atexit { if let scratch { unlink(scratch.path) } }
    scratch = (fd, path)
    return (fd, path)
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let file = scratchFile()
    guard ftruncate(file.fd, 0) == 0, pwrite(file.fd, data, size, 0) == size else { return 0 }

    // A 1 MP limit keeps each run fast; the limit itself is tested by the unit tests.
    if let reader = try? UprightReader(path: file.path, maxPixels: 1 << 20) {
        var rows: [Float] = []
        while let n = try? reader.readRows(count: 7, into: &rows), n > 0 {}
        let upright = reader.metadata.upright(width: reader.info.width * 4, height: reader.info.height * 4)
        _ = upright.orientation
        if !reader.metadata.isEmpty { roundTripThroughTIFF(reader.metadata) }
        merge(xmp: upright.xmp, iptc: upright.iptc)
    }

    if var exif = try? ExifBlock(bytes) {
        _ = exif.orientation
        _ = exif.string(ExifBlock.Tag.dateTimeOriginal, in: .exif)
        _ = exif.rawValue(ExifBlock.Tag.gpsLatitude, in: .gps)
        // What we would write must parse again, upright and without a thumbnail.
        if (try? exif.makeUpright(width: 16000, height: 12000)) != nil {
            guard let again = try? ExifBlock(exif.bytes), again.orientation == nil || again.orientation == .topLeft,
                  !again.hasThumbnailDirectory else { fatalError("rewritten EXIF no longer parses") }
        }
    }
    _ = ImageMetadata(xmp: bytes).upright(width: 4, height: 4)
    merge(xmp: bytes, iptc: bytes)
    return 0
}

/// What the merge writes must parse again: a packet we produce is never malformed.
private func merge(xmp: [UInt8]?, iptc: [UInt8]?) {
    let provenance = Provenance(sourcePath: "/in/<&\"'>.png", sourceSHA256: "00", when: Date(timeIntervalSince1970: 0),
                                softwareAgent: "fuzz", modelName: "m", modelSHA256: "00", scale: 4, tile: 224, overlap: 48)
    let derived = DerivedXMP(xmp: xmp, iptc: iptc, sourcePath: "/in/x.png", width: 64, height: 48,
                             provenance: provenance, toolkit: "fuzz", outputHoldsIPTC: false)
    if let sidecar = derived.sidecar, (try? XMPPacket(parsing: sidecar)) == nil {
        fatalError("the merged packet no longer parses")
    }
}
