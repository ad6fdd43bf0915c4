/// Resizing with PyTorch's modes: the sizes asked for, weights that keep flat images flat, and
/// a box average that is one for integer factors.
import Foundation
import Testing
import Degradation

@Suite("resizing")
struct ResamplerTests {
    @Test("each mode gives the size asked for, down and up, and keeps a flat image flat",
          arguments: ResizeMode.allCases, [(96, 14), (24, 36), (24, 7)])
    func sizes(mode: ResizeMode, sides: (Int, Int)) {
        let out = Resampler.resize(Photo.flat(77, width: sides.0, height: sides.0), width: sides.1, height: sides.1 + 1, mode: mode)
        #expect(out.width == sides.1 && out.height == sides.1 + 1)
        #expect(out.pixels.allSatisfy { abs($0 - 77) < 1e-3 })
    }

    @Test("area ×½ is the mean of each 2×2 block")
    func areaAverages() {
        let image = RGBImage(width: 4, height: 2, pixels: (0..<24).map { Float($0) })
        let out = Resampler.resize(image, width: 2, height: 1, mode: .area)
        // Pixel (0,0) averages pixels 0, 1, 4, 5 of the 4×2 image, channel by channel.
        #expect(out.pixels[0] == 7.5)   // (0 + 3 + 12 + 15) / 4
        #expect(out.pixels[3] == 13.5)  // (6 + 9 + 18 + 21) / 4
    }
}
