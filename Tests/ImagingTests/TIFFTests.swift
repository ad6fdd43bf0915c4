/// TIFF through libtiff: what our encoder writes reads back exactly, files libtiff's own tools
/// write in every layout the issue lists read back the same, hand-made layouts our encoder
/// never writes (palette, min-is-white, associated alpha) are converted, and what cannot be
/// converted faithfully is refused with a clear reason.
import Foundation
import Testing
import Imaging
import TestSupport

@Suite("TIFF")
struct TIFFTests {
    /// Writes samples with our encoder as TIFF.
    func write<Sample>(_ samples: [Sample], width: Int, height: Int, channels: Int, to path: String,
                       metadata: ImageMetadata = ImageMetadata()) throws {
        let depth = Sample.self == UInt16.self ? 16 : 8
        let info = ImageInfo(width: width, height: height, channels: channels, bitDepth: depth, format: .tiff)
        let writer = try ImageWriter(path: path, info: info, metadata: metadata)
        if let s = samples as? [UInt16] { try writer.writeRows(s) } else { try writer.writeRows(samples as! [UInt8]) }
        try writer.finish()
    }

    @Test("our TIFF keeps every channel count at 8 and 16 bits sample for sample, Deflate-compressed",
          arguments: [1, 2, 3, 4], [8, 16])
    func roundTrip(channels: Int, bits: Int) throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("out.tif")
        let (width, height) = (37, 29)
        if bits == 8 {
            let samples = Synthetic.samples8(width: width, height: height, channels: channels)
            try write(samples, width: width, height: height, channels: channels, to: path)
            let (info, back) = try readAll8(path, band: 5)
            #expect(back == samples)
            #expect(info == ImageInfo(width: width, height: height, channels: channels, bitDepth: 8, format: .tiff, isLossless: true))
        } else {
            let samples = Synthetic.samples16(width: width, height: height, channels: channels)
            try write(samples, width: width, height: height, channels: channels, to: path)
            let (info, back) = try readAll16(path, band: 5)
            #expect(back == samples)
            #expect(info.bitDepth == 16 && info.channels == channels)
        }
        if ExternalTool.exists("tiffinfo") {
            let described = try ExternalTool.run("tiffinfo", [path]).output
            #expect(described.contains("AdobeDeflate"), "\(described)")
            if channels == 2 || channels == 4 { #expect(described.contains("unassoc-alpha"), "\(described)") }
        }
    }

    @Test("a big-endian EXIF block makes a big-endian TIFF, and 16-bit samples still read back exactly")
    func bigEndianOutput() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("mm.tif")
        let samples = Synthetic.samples16(width: 9, height: 7, channels: 3)
        try write(samples, width: 9, height: 7, channels: 3, to: path, metadata: ImageMetadata(exif: Synthetic.exif))
        #expect(try scratch.bytes("mm.tif").prefix(4) == [0x4D, 0x4D, 0x00, 0x2A])
        #expect(try readAll16(path).1 == samples)
        #expect(try ImageReader(path: path).metadata.orientation == .rightTop)
    }

    struct Layout: Sendable, CustomTestStringConvertible {
        let options: [String]
        let channels: Int
        let bits: Int
        let exact: Bool
        var testDescription: String { "tiffcp \(options.joined(separator: " ")) (\(channels)ch \(bits)-bit)" }
    }

    static let layouts: [Layout] = [
        Layout(options: ["-c", "none"], channels: 3, bits: 8, exact: true),
        Layout(options: ["-c", "lzw"], channels: 3, bits: 16, exact: true),
        Layout(options: ["-c", "zip"], channels: 4, bits: 8, exact: true),
        Layout(options: ["-c", "packbits"], channels: 1, bits: 8, exact: true),
        Layout(options: ["-c", "lzw:2", "-t", "-w", "16", "-l", "16"], channels: 3, bits: 8, exact: true),
        Layout(options: ["-c", "zip", "-t", "-w", "32", "-l", "16"], channels: 4, bits: 16, exact: true),
        Layout(options: ["-B", "-c", "none"], channels: 3, bits: 16, exact: true),
        Layout(options: ["-B", "-c", "lzw", "-t", "-w", "16", "-l", "16"], channels: 2, bits: 16, exact: true),
        Layout(options: ["-L", "-c", "packbits", "-r", "3"], channels: 3, bits: 8, exact: true),
        Layout(options: ["-p", "separate", "-c", "zip"], channels: 3, bits: 8, exact: true),
        Layout(options: ["-p", "separate", "-t", "-w", "16", "-l", "16"], channels: 4, bits: 8, exact: true),
        Layout(options: ["-c", "jpeg:90"], channels: 3, bits: 8, exact: false),
        Layout(options: ["-c", "jpeg:90", "-t", "-w", "16", "-l", "16"], channels: 1, bits: 8, exact: false),
    ]

    @Test("files libtiff's tiffcp rewrites read back the same: compressions, strips, tiles, byte orders, planes",
          .enabled(if: ExternalTool.exists("tiffcp")), arguments: layouts)
    func foreignLayouts(_ layout: Layout) throws {
        let scratch = try ScratchDirectory()
        let (width, height) = (40, 35)   // not whole tiles: edge tiles are clipped
        let source = scratch.file("source.tif"), copy = scratch.file("copy.tif")
        let samples8 = Synthetic.smooth8(width: width, height: height, channels: layout.channels)
        let samples16 = Synthetic.samples16(width: width, height: height, channels: layout.channels)
        if layout.bits == 8 {
            try write(samples8, width: width, height: height, channels: layout.channels, to: source)
        } else {
            try write(samples16, width: width, height: height, channels: layout.channels, to: source)
        }
        let result = try ExternalTool.run("tiffcp", layout.options + [source, copy])
        try #require(result.status == 0, "\(result.errors)")
        if layout.bits == 8 {
            let (info, back) = try readAll8(copy, band: 7)
            #expect(info.channels == layout.channels && info.bitDepth == 8)
            #expect(info.isLossless == layout.exact)
            if layout.exact { #expect(back == samples8) } else { #expect(meanAbsoluteDifference(back, samples8) < 3) }
        } else {
            let (info, back) = try readAll16(copy, band: 7)
            #expect(info.channels == layout.channels && info.bitDepth == 16)
            #expect(back == samples16)
        }
    }

    @Test("a palette becomes RGB, 8-bit and 4-bit, with 16-bit or old-style 8-bit colour maps")
    func palette() throws {
        let scratch = try ScratchDirectory()
        for (bits, wide) in [(8, true), (4, true), (4, false)] as [(UInt16, Bool)] {
            let entries = 1 << bits
            let scale = wide ? 257 : 1
            let red = (0..<entries).map { UInt16(($0 * 17) % 256 * scale) }
            let green = (0..<entries).map { UInt16((255 - ($0 * 17) % 256) * scale) }
            let blue = (0..<entries).map { UInt16(($0 * 5) % 256 * scale) }
            let (width, height) = (6, 3)
            let indices = (0..<(width * height)).map { $0 % entries }
            let strip: [UInt8] = bits == 8 ? indices.map { UInt8($0) }
                : stride(from: 0, to: indices.count, by: 2).map { UInt8(indices[$0] << 4 | indices[$0 + 1]) }
            var builder = TIFFBuilder()
            builder.addPage(width: width, height: height, bitsPerSample: [bits], photometric: 3, strip: strip,
                            extra: [320: .short(red + green + blue)])
            let path = try scratch.write(builder.bytes(), to: "palette-\(bits)-\(wide).tif")
            let (info, back) = try readAll8(path)
            #expect(info.channels == 3 && info.bitDepth == 8)
            let expected = indices.flatMap { [UInt8(red[$0] / UInt16(scale)), UInt8(green[$0] / UInt16(scale)), UInt8(blue[$0] / UInt16(scale))] }
            #expect(back == expected, "\(bits)-bit palette, \(wide ? "16" : "8")-bit map")
        }
    }

    @Test("min-is-white gray is inverted, at 8 bits and at 1 bit (a fax)")
    func minIsWhite() throws {
        let scratch = try ScratchDirectory()
        var eight = TIFFBuilder()
        eight.addPage(width: 4, height: 1, bitsPerSample: [8], photometric: 0, strip: [0, 10, 200, 255])
        #expect(try readAll8(try scratch.write(eight.bytes(), to: "w8.tif")).1 == [255, 245, 55, 0])
        var one = TIFFBuilder()
        one.addPage(width: 8, height: 2, bitsPerSample: [1], photometric: 0, strip: [0b1010_0000, 0b0000_0001])
        let (info, back) = try readAll8(try scratch.write(one.bytes(), to: "w1.tif"))
        #expect(info.channels == 1 && info.bitDepth == 8)
        #expect(back == [0, 255, 0, 255, 255, 255, 255, 255] + [255, 255, 255, 255, 255, 255, 255, 0])
    }

    @Test("associated (premultiplied) alpha is un-premultiplied; unassociated alpha is kept as it is")
    func alpha() throws {
        let scratch = try ScratchDirectory()
        // Straight colour (200, 100, 50) at alpha 128, and a transparent pixel.
        var associated = TIFFBuilder()
        associated.addPage(width: 2, height: 1, bitsPerSample: [8, 8, 8, 8], photometric: 2,
                           strip: [100, 50, 25, 128, 0, 0, 0, 0], extra: [338: .short([1])])
        #expect(try readAll8(try scratch.write(associated.bytes(), to: "assoc.tif")).1 == [199, 100, 50, 128, 0, 0, 0, 0])
        var unassociated = TIFFBuilder(bigEndian: true)
        unassociated.addPage(width: 1, height: 1, bitsPerSample: [16, 16], photometric: 1,
                             strip: unassociated.samples16([1000, 30000]), extra: [338: .short([2])])
        let (info, back) = try readAll16(try scratch.write(unassociated.bytes(), to: "unassoc-be.tif"))
        #expect(info.channels == 2 && back == [1000, 30000])
    }

    @Test("separate planes of 16-bit samples, big-endian, are interleaved (tiffcp cannot write these)")
    func separatePlanes16() throws {
        var builder = TIFFBuilder(bigEndian: true)
        // Gray then alpha, one strip each, right after the 8-byte header.
        let planes = builder.samples16([100, 200, 65535, 0]) + builder.samples16([1, 2, 3, 4])
        builder.addPage(width: 2, height: 2, bitsPerSample: [16, 16], photometric: 1, strip: planes,
                        extra: [284: .short([2]), 338: .short([2]), 273: .long([8, 16]), 279: .long([8, 8])])
        let scratch = try ScratchDirectory()
        let (info, back) = try readAll16(try scratch.write(builder.bytes(), to: "planes.tif"))
        #expect(info.channels == 2 && back == [100, 1, 200, 2, 65535, 3, 0, 4])
    }

    @Test("CMYK, float and signed samples are refused with the reason", arguments: ["cmyk", "float", "signed"])
    func refusedKinds(kind: String) throws {
        let scratch = try ScratchDirectory()
        var builder = TIFFBuilder()
        switch kind {
        case "cmyk": builder.addPage(width: 2, height: 1, bitsPerSample: [8, 8, 8, 8], photometric: 5, strip: [UInt8](repeating: 9, count: 8))
        case "float": builder.addPage(width: 1, height: 1, bitsPerSample: [32], photometric: 1, strip: [0, 0, 128, 63],
                                      extra: [339: .short([3])])
        default: builder.addPage(width: 2, height: 1, bitsPerSample: [8], photometric: 1, strip: [1, 2], extra: [339: .short([2])])
        }
        let path = try scratch.write(builder.bytes(), to: "\(kind).tif")
        let error = expectFailure(.unsupportedFormat, naming: path) { _ = try ImageReader(path: path) }
        let expected = ["cmyk": "CMYK", "float": "floating-point", "signed": "signed"][kind]!
        #expect(error?.detail.contains(expected) == true, "\(String(describing: error))")
    }

    @Test("a multi-page TIFF is refused as such; a page with its reduced-size preview is one page")
    func pages() throws {
        let scratch = try ScratchDirectory()
        var two = TIFFBuilder()
        two.addPage(width: 2, height: 2, bitsPerSample: [8], photometric: 1, strip: [1, 2, 3, 4])
        two.addPage(width: 2, height: 2, bitsPerSample: [8], photometric: 1, strip: [5, 6, 7, 8])
        let path = try scratch.write(two.bytes(), to: "two-pages.tif")
        let error = expectFailure(.unsupportedFormat, naming: path) { _ = try ImageReader(path: path) }
        #expect(error?.detail.contains("multi-page TIFF (2 pages)") == true, "\(String(describing: error))")

        var preview = TIFFBuilder()
        preview.addPage(width: 2, height: 2, bitsPerSample: [8], photometric: 1, strip: [1, 2, 3, 4])
        preview.addPage(width: 1, height: 1, bitsPerSample: [8], photometric: 1, strip: [9], extra: [254: .long([1])])
        let (info, back) = try readAll8(try scratch.write(preview.bytes(), to: "with-preview.tif"))
        #expect(info.width == 2 && back == [1, 2, 3, 4])
    }

    @Test("EXIF (IFD0, EXIF and GPS directories), XMP, ICC and IPTC survive TIFF, in both byte orders",
          arguments: ["metadata.jpg", "camera-p3.jpg"])
    func metadata(source: String) throws {
        let scratch = try ScratchDirectory()
        let original = try ImageReader(path: Fixture.path(source)).metadata
        let exif = try #require(original.exif)
        let iptc: [UInt8] = [0x1C, 0x02, 0x00, 0x00, 0x02, 0x00, 0x04,
                             0x1C, 0x02, 0x19, 0x00, 0x06] + Array("garden".utf8)   // 19 bytes: not whole LONGs either
        let metadata = ImageMetadata(exif: exif, xmp: Synthetic.xmp, iccProfile: Synthetic.iccProfile(), iptc: iptc)
        let path = scratch.file("meta.tif")
        try write(Synthetic.samples8(width: 5, height: 4, channels: 3), width: 5, height: 4, channels: 3, to: path,
                  metadata: metadata)
        let back = try ImageReader(path: path).metadata
        #expect(back.xmp == Synthetic.xmp)
        #expect(back.iccProfile == Synthetic.iccProfile())
        #expect(back.iptc == iptc)
        let before = try ExifBlock(exif), after = try ExifBlock(try #require(back.exif))
        #expect(exif.prefix(2) == (try #require(back.exif)).prefix(2), "the byte order is the source's")
        let fields: [(UInt16, ExifBlock.Directory)] = [(ExifBlock.Tag.model, .ifd0), (ExifBlock.Tag.dateTimeOriginal, .exif),
                                                       (ExifBlock.Tag.gpsLatitude, .gps), (ExifBlock.Tag.gpsLongitude, .gps)]
        for (tag, directory) in fields {
            #expect(after.rawValue(tag, in: directory) == before.rawValue(tag, in: directory), "\(tag)")
        }
        #expect(after.orientation == before.orientation)
        if ExternalTool.exists("exiftool") {
            let seen = try ExternalTool.run("exiftool", ["-s", "-DateTimeOriginal", "-GPSLatitude", "-Model", "-Keywords", path]).output
            #expect(seen.contains("garden"), "\(seen)")
            if before.string(ExifBlock.Tag.dateTimeOriginal, in: .exif) != nil {
                #expect(seen.contains("DateTimeOriginal") && seen.contains("GPSLatitude") && seen.contains("Model"), "\(seen)")
            }
        }
    }

    @Test("a TIFF tagged by exiftool gives its EXIF, GPS, IPTC and XMP to our reader",
          .enabled(if: ExternalTool.exists("exiftool")))
    func taggedByExiftool() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("tagged.tif")
        try write(Synthetic.samples8(width: 4, height: 4, channels: 3), width: 4, height: 4, channels: 3, to: path)
        let tagged = try ExternalTool.run("exiftool", ["-q", "-overwrite_original", "-DateTimeOriginal=2021:05:06 07:08:09",
                                                       "-GPSLatitude=48.5", "-GPSLatitudeRef=N", "-Make=Acme",
                                                       "-IPTC:Keywords=lighthouse", "-XMP-dc:Title=Harbour", path])
        try #require(tagged.status == 0, "\(tagged.errors)")
        let metadata = try ImageReader(path: path).metadata
        let block = try ExifBlock(try #require(metadata.exif))
        #expect(block.string(ExifBlock.Tag.dateTimeOriginal, in: .exif) == "2021:05:06 07:08:09")
        #expect(block.rawValue(ExifBlock.Tag.gpsLatitude, in: .gps) != nil)
        #expect(block.string(ExifBlock.Tag.make, in: .ifd0) == "Acme")
        #expect(String(decoding: try #require(metadata.iptc), as: UTF8.self).contains("lighthouse"))
        #expect(String(decoding: try #require(metadata.xmp), as: UTF8.self).contains("Harbour"))
    }
}
