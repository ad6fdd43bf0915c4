/// PNG: our writer and reader agree on every layout, and files from another
/// encoder (palette, tRNS, low bit depths, Adam7, 16-bit) decode to the
/// values their generator (Fixtures/make_fixtures.py) put in.
import Testing
import Imaging

@Suite("PNG")
struct PNGTests {
    @Test("8-bit round trip is exact, written and read in bands", arguments: 1...4)
    func roundTrip8(channels: Int) throws {
        let scratch = try ScratchDirectory()
        let info = ImageInfo(width: 23, height: 17, channels: channels, bitDepth: 8, format: .png)
        let samples = Synthetic.samples8(width: 23, height: 17, channels: channels)
        let writer = try ImageWriter(path: scratch.file("out.png"), info: info)
        let rowLength = info.samplesPerRow
        try writer.writeRows(Array(samples[0..<(5 * rowLength)]))
        try writer.writeRows(Array(samples[(5 * rowLength)...]))
        try writer.finish()

        let (readInfo, decoded) = try readAll8(scratch.file("out.png"), band: 4)
        #expect(readInfo == info)
        #expect(decoded == samples)
    }

    @Test("16-bit round trip is exact and in host byte order", arguments: 1...4)
    func roundTrip16(channels: Int) throws {
        let scratch = try ScratchDirectory()
        let info = ImageInfo(width: 11, height: 9, channels: channels, bitDepth: 16, format: .png)
        let samples = Synthetic.samples16(width: 11, height: 9, channels: channels)
        let writer = try ImageWriter(path: scratch.file("deep.png"), info: info)
        try writer.writeRows(samples)
        try writer.finish()

        let (readInfo, decoded) = try readAll16(scratch.file("deep.png"), band: 2)
        #expect(readInfo == info)
        #expect(decoded == samples)
    }

    @Test("a palette image with tRNS becomes RGBA with the palette's alpha")
    func paletteWithTransparency() throws {
        let (info, samples) = try readAll8(Fixture.path("palette-trns.png"))
        #expect(info == ImageInfo(width: 4, height: 3, channels: 4, bitDepth: 8, format: .png))
        let palette = [[255, 0, 0, 0], [0, 255, 0, 128], [0, 0, 255, 255], [255, 255, 255, 255], [10, 20, 30, 255]]
        #expect(samples == image(4, 3) { x, y in palette[(x + y * 4) % 5] })
    }

    @Test("a 2-bit palette image becomes 8-bit RGB")
    func lowDepthPalette() throws {
        let (info, samples) = try readAll8(Fixture.path("palette-2bit.png"))
        #expect(info.channels == 3 && info.bitDepth == 8)
        let palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]
        #expect(samples == image(5, 2) { x, y in palette[(x + y) % 4] })
    }

    @Test("1-bit and 4-bit gray are scaled up to the full 8-bit range")
    func lowDepthGray() throws {
        let (oneBitInfo, oneBit) = try readAll8(Fixture.path("gray-1bit.png"))
        #expect(oneBitInfo.channels == 1 && oneBitInfo.bitDepth == 8)
        #expect(oneBit == image(10, 3) { x, y in [(x + y) % 2 * 255] })

        let (_, fourBit) = try readAll8(Fixture.path("gray-4bit.png"))
        #expect(fourBit == image(7, 2) { x, y in [(x * 3 + y) % 16 * 17] })
    }

    @Test("an RGB image with a tRNS colour gets alpha 0 exactly at that colour")
    func rgbTransparentColour() throws {
        let (info, samples) = try readAll8(Fixture.path("rgb-trns.png"))
        #expect(info.channels == 4)
        let alphas = stride(from: 3, to: samples.count, by: 4).map { samples[$0] }
        // Pixel (1, 1) is (80, 90, 7), the tRNS colour; nothing else is.
        #expect(alphas == [255, 255, 255, 255, 0, 255])
    }

    @Test("16-bit gray from another encoder arrives in host byte order")
    func foreignSixteenBit() throws {
        let (info, samples) = try readAll16(Fixture.path("gray16.png"))
        #expect(info == ImageInfo(width: 5, height: 4, channels: 1, bitDepth: 16, format: .png))
        #expect(samples == image(5, 4, as: UInt16.self) { x, y in [x * 4096 + y * 17 + 0x0102] })
    }

    @Test("Adam7-interlaced 8-bit RGB decodes row by row to the right pixels")
    func interlaced8() throws {
        let (info, samples) = try readAll8(Fixture.path("interlaced-rgb8.png"), band: 4)
        #expect(info == ImageInfo(width: 13, height: 11, channels: 3, bitDepth: 8, format: .png, isInterlaced: true))
        #expect(samples == image(13, 11) { x, y in [(x * 19) % 256, (y * 23) % 256, ((x + y) * 7) % 256] })
    }

    @Test("Adam7-interlaced 16-bit RGBA decodes exactly")
    func interlaced16() throws {
        let (info, samples) = try readAll16(Fixture.path("interlaced-rgba16.png"), band: 1)
        #expect(info.isInterlaced && info.channels == 4 && info.bitDepth == 16)
        #expect(samples == image(9, 7, as: UInt16.self) { x, y in
            [x * 7000 + 1, y * 9000 + 258, 65535 - x * y * 300, 30000 + x * 1000]
        })
    }

    @Test("the format is found from content: a PNG named .jpg still decodes as PNG")
    func misnamedPNG() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write(try Fixture.bytes("palette-trns.png"), to: "actually-png.jpg")
        let reader = try ImageReader(path: path)
        #expect(reader.info.format == .png)
    }
}
