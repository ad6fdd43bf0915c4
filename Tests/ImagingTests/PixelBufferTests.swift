/// The whole-image convenience: loading and saving through the streaming
/// codecs, and the 0…255 Float view of 8- and 16-bit samples.
import Testing
import Imaging

@Suite("PixelBuffer")
struct PixelBufferTests {
    @Test("8-bit samples read as the same numbers in Float")
    func eightBitFloats() {
        var image = PixelBuffer(width: 2, height: 1, channels: 1, samples: .uint8([0, 200]))
        #expect(image[1, 0, 0] == 200)
        image[0, 0, 0] = 99.6
        #expect(image.rawSample(x: 0, y: 0, channel: 0) == 100)
    }

    @Test("16-bit samples map 0…65535 onto 0…255 keeping fractions")
    func sixteenBitFloats() {
        var image = PixelBuffer(width: 3, height: 1, channels: 1, samples: .uint16([65535, 257, 32768]))
        #expect(image[0, 0, 0] == 255)
        #expect(image[1, 0, 0] == 1)
        #expect(abs(image[2, 0, 0] - 127.50195) < 0.0001)
        image[0, 0, 0] = 127.5
        #expect(image.rawSample(x: 0, y: 0, channel: 0) == 32768)
    }

    @Test("every 16-bit value survives the trip through Float")
    func sixteenBitExactness() {
        let all = (0...65535).map { UInt16($0) }
        let image = PixelBuffer(width: 256, height: 256, channels: 1, samples: .uint16(all))
        let back = PixelBuffer(width: 256, height: 256, channels: 1, bitDepth: 16, floatSamples: image.floatSamples())
        #expect(back.samples == image.samples)
    }

    @Test("out-of-range and NaN floats are clamped", arguments: [8, 16])
    func clamping(bitDepth: Int) {
        var image = PixelBuffer(width: 3, height: 1, channels: 1, bitDepth: bitDepth)
        image.setFloatSamples([-5, 300, .nan])
        let top = (1 << bitDepth) - 1
        #expect((0..<3).map { image.rawSample(x: $0, y: 0, channel: 0) } == [0, top, 0])
    }

    @Test("load and save round-trip through the file format given by the extension", arguments: [8, 16])
    func loadSave(bitDepth: Int) throws {
        let scratch = try ScratchDirectory()
        let samples: PixelBuffer.Samples = bitDepth == 8
            ? .uint8(Synthetic.samples8(width: 5, height: 4, channels: 2))
            : .uint16(Synthetic.samples16(width: 5, height: 4, channels: 2))
        let image = PixelBuffer(width: 5, height: 4, channels: 2, samples: samples)
        try image.save(path: scratch.file("ga.PNG"))
        let loaded = try PixelBuffer.load(path: scratch.file("ga.PNG"))
        #expect(loaded == image)
        #expect(try ImageReader(path: scratch.file("ga.PNG")).info.format == .png)
    }

    @Test("saving to an unknown extension is refused and writes nothing")
    func unknownExtension() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("out.gif")
        expectFailure(.unsupportedFormat, naming: path) {
            try PixelBuffer(width: 1, height: 1, channels: 3).save(path: path)
        }
        #expect(try scratch.contents().isEmpty)
        try PixelBuffer(width: 1, height: 1, channels: 3).save(path: path, format: .jpeg)
        #expect(try ImageReader(path: path).info.format == .jpeg)
    }

    @Test("load honours the pixel limit")
    func loadLimit() {
        let path = Fixture.path("baseline.jpg")
        expectFailure(.tooLarge, naming: path) { _ = try PixelBuffer.load(path: path, maxPixels: 100) }
    }
}
