/// Transparent images: alpha is enlarged beside the network (bicubic, streamed band by band) and
/// re-attached, and the arbitrary colour hidden under transparent pixels never reaches the edge.
import Foundation
import Testing
import Imaging
import SRGAN
import TestSupport
import Upscaling

@Suite("Alpha upscaling", .serialized)
final class AlphaUpscalingTests {
    let generator: Generator
    let directory: URL

    init() throws {
        generator = try Generator(contentsOf: TestEnvironment.model("srgan-gan.safetensors"), threads: 2)
        directory = try TestEnvironment.temporaryDirectory("alpha")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A cream disc on a fully transparent background whose hidden colour is black, as software
    /// that stores premultiplied colour leaves it. Alpha is 255 inside, 0 outside, with a one-pixel
    /// anti-aliased rim.
    func disc(channels: Int, width: Int = 40, height: Int = 32) -> PixelBuffer {
        var image = PixelBuffer(width: width, height: height, channels: channels)
        let (cx, cy, r) = (Float(width) / 2, Float(height) / 2, Float(min(width, height)) / 3)
        for y in 0..<height {
            for x in 0..<width {
                let d = ((Float(x) + 0.5 - cx) * (Float(x) + 0.5 - cx) + (Float(y) + 0.5 - cy) * (Float(y) + 0.5 - cy)).squareRoot()
                let coverage = min(1, max(0, r + 0.5 - d))
                let colour: [Float] = channels >= 3 ? [250, 240, 230] : [240]
                for c in 0..<colour.count { image[x, y, c] = coverage > 0 ? colour[c] : 0 }
                if channels == 2 || channels == 4 { image[x, y, channels - 1] = 255 * coverage }
            }
        }
        return image
    }

    func upscale(_ image: PixelBuffer, _ name: String, options: UpscaleOptions = UpscaleOptions()) throws -> PixelBuffer {
        let input = path("\(name).png"), output = path("\(name).x4.png")
        try image.save(path: input)
        _ = try ImageUpscaler.upscale(input, to: output, generator: generator, options: options)
        return try PixelBuffer.load(path: output)
    }

    @Test("the black hidden under transparent pixels leaves no dark halo on the enlarged edge")
    func noHalo() throws {
        let out = try upscale(disc(channels: 4), "disc")
        #expect((out.width, out.height, out.channels) == (160, 128, 4))
        var edge = 0
        for y in 0..<out.height {
            for x in 0..<out.width where out[x, y, 3] >= 25 {
                let darkest = min(out[x, y, 0], out[x, y, 1], out[x, y, 2])
                #expect(darkest >= 200, "(\(x), \(y)) alpha \(out[x, y, 3]) colour \(darkest)")
                if out[x, y, 3] < 230 { edge += 1 }
            }
        }
        #expect(edge > 50, "the rim is partly transparent, as an enlarged anti-aliased edge should be")

        // The control: the same colour channels without alpha (black around the disc) do go dark
        // exactly there, which is what a naive "upscale RGB, stretch alpha" would show.
        var opaque = PixelBuffer(width: 40, height: 32, channels: 3)
        let rgba = disc(channels: 4)
        for y in 0..<32 { for x in 0..<40 { for c in 0..<3 { opaque[x, y, c] = rgba[x, y, c] } } }
        let naive = try upscale(opaque, "naive")
        let darkened = (0..<out.height).flatMap { y in (0..<out.width).map { (x: $0, y: y) } }
            .filter { out[$0.x, $0.y, 3] >= 25 && out[$0.x, $0.y, 3] < 230 }
            .filter { min(naive[$0.x, $0.y, 0], naive[$0.x, $0.y, 1], naive[$0.x, $0.y, 2]) < 200 }
        #expect(darkened.count > 20)
    }

    @Test("alpha is interpolated, not invented: uniform stays uniform, opaque stays opaque, clear stays clear")
    func bicubic() throws {
        var half = PixelBuffer(width: 24, height: 20, channels: 4)
        for y in 0..<20 { for x in 0..<24 { half[x, y, 0] = 90; half[x, y, 1] = 120; half[x, y, 2] = 150; half[x, y, 3] = 128 } }
        let uniform = try upscale(half, "half")
        #expect((0..<uniform.height).allSatisfy { y in (0..<uniform.width).allSatisfy { uniform.rawSample(x: $0, y: y, channel: 3) == 128 } })

        let out = try upscale(disc(channels: 4), "disc-alpha")
        #expect(out.rawSample(x: 80, y: 64, channel: 3) == 255)
        for (x, y) in [(0, 0), (159, 0), (0, 127), (159, 127)] { #expect(out.rawSample(x: x, y: y, channel: 3) == 0) }
    }

    @Test("alpha streams with the tiles: small tiles give exactly the alpha of one big tile")
    func streamed() throws {
        let image = disc(channels: 4, width: 52, height: 44)
        var small = UpscaleOptions()
        small.tile = 16
        small.overlap = 4
        let tiled = try upscale(image, "tiled", options: small)
        let whole = try upscale(image, "whole")
        let alpha = { (b: PixelBuffer) in (0..<b.height).flatMap { y in (0..<b.width).map { b.rawSample(x: $0, y: y, channel: 3) } } }
        #expect(alpha(tiled) == alpha(whole))
    }

    @Test("gray + alpha at 16 bits comes out gray + alpha at 16 bits")
    func grayAlpha16() throws {
        let disc8 = disc(channels: 2)
        let image = PixelBuffer(width: disc8.width, height: disc8.height, channels: 2, bitDepth: 16,
                                floatSamples: disc8.floatSamples())
        let out = try upscale(image, "ga16")
        #expect((out.width, out.height, out.channels, out.bitDepth) == (160, 128, 2, 16))
        #expect(out.rawSample(x: 80, y: 64, channel: 1) == 65535 && out.rawSample(x: 0, y: 0, channel: 1) == 0)
    }
}
