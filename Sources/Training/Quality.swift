/// PSNR and SSIM on the luma (Y) channel with a border shaved off, as super-resolution papers
/// report them (Ledig et al. 2017: ×4, Y of BT.601 YCbCr, 4 pixels cropped from each edge), and
/// the blockiness index of a ×4 upscale of a JPEG (issue 14): the one home of image metrics.
import Degradation
import Foundation

public enum Quality {
    /// MATLAB `rgb2ycbcr` luma on the 0…255 scale: 16 + (65.481 R + 128.553 G + 24.966 B) / 255.
    public static func luma(_ image: RGBImage, shave: Int) -> (values: [Double], width: Int, height: Int) {
        let (w, h) = (image.width - 2 * shave, image.height - 2 * shave)
        var y = [Double](repeating: 0, count: max(w, 0) * max(h, 0))
        for row in 0..<h { for col in 0..<w {
            let i = ((row + shave) * image.width + col + shave) * 3
            let (r, g, b) = (Double(image.pixels[i]), Double(image.pixels[i + 1]), Double(image.pixels[i + 2]))
            y[row * w + col] = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
        } }
        return (y, w, h)
    }

    /// PSNR in dB of `test` against `reference` on Y, `shave` pixels cropped from each edge.
    public static func psnrY(_ test: RGBImage, _ reference: RGBImage, shave: Int = 4) -> Double {
        precondition(test.width == reference.width && test.height == reference.height, "image sizes differ")
        let a = luma(test, shave: shave).values, b = luma(reference, shave: shave).values
        let mse = zip(a, b).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(a.count)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    /// SSIM (Wang et al. 2004: 11×11 Gaussian window, σ 1.5, K1 0.01, K2 0.03, L 255, "valid"
    /// windows only) on Y, `shave` pixels cropped from each edge.
    public static func ssimY(_ test: RGBImage, _ reference: RGBImage, shave: Int = 4) -> Double {
        precondition(test.width == reference.width && test.height == reference.height, "image sizes differ")
        let (a, w, h) = luma(test, shave: shave), b = luma(reference, shave: shave).values
        let radius = 5
        var window = [Double](repeating: 0, count: 11)
        for i in 0..<11 { window[i] = exp(-Double((i - radius) * (i - radius)) / (2 * 1.5 * 1.5)) }
        let total = window.reduce(0, +)
        window = window.map { $0 / total }
        let (c1, c2) = (pow(0.01 * 255.0, 2.0), pow(0.03 * 255.0, 2.0))
        // Separable filtering of x, y, x², y², xy; "valid" region only.
        func filter(_ f: (Int) -> Double) -> [Double] {
            let vw = w - 2 * radius, vh = h - 2 * radius
            var horizontal = [Double](repeating: 0, count: h * vw)
            for row in 0..<h { for col in 0..<vw {
                var s = 0.0
                for k in 0..<11 { s += window[k] * f(row * w + col + k) }
                horizontal[row * vw + col] = s
            } }
            var out = [Double](repeating: 0, count: vh * vw)
            for row in 0..<vh { for col in 0..<vw {
                var s = 0.0
                for k in 0..<11 { s += window[k] * horizontal[(row + k) * vw + col] }
                out[row * vw + col] = s
            } }
            return out
        }
        guard w > 2 * radius, h > 2 * radius else { return .nan }
        let mx = filter { a[$0] }, my = filter { b[$0] }
        let xx = filter { a[$0] * a[$0] }, yy = filter { b[$0] * b[$0] }, xy = filter { a[$0] * b[$0] }
        var sum = 0.0
        for i in mx.indices {
            let (sx, sy, sxy) = (xx[i] - mx[i] * mx[i], yy[i] - my[i] * my[i], xy[i] - mx[i] * my[i])
            sum += ((2 * mx[i] * my[i] + c1) * (2 * sxy + c2)) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (sx + sy + c2))
        }
        return sum / Double(mx.count)
    }

    /// The blockiness index of a ×4 upscale: the mean absolute luma step between neighbouring
    /// columns (and rows) j, j+1 on the 32-pixel grid of the input's upscaled 8×8 JPEG blocks
    /// (j mod 32 = 31), over the mean step at the same ×4 interpolation phase off that grid
    /// (j mod 4 = 3, j mod 32 ≠ 31). Any ×4 upscaler of a clean input scores about 1; blocks the
    /// network sharpened into tiles score well above.
    public static func blockiness(_ image: RGBImage) -> Double {
        let (y, w, h) = luma(image, shave: 0)
        var grid = (sum: 0.0, count: 0), off = (sum: 0.0, count: 0)
        func add(_ j: Int, _ step: Double) {
            guard j % 4 == 3 else { return }
            if j % 32 == 31 { grid.sum += step; grid.count += 1 } else { off.sum += step; off.count += 1 }
        }
        for row in 0..<h { for j in 0..<max(w - 1, 0) { add(j, abs(y[row * w + j + 1] - y[row * w + j])) } }
        for j in 0..<max(h - 1, 0) { for col in 0..<w { add(j, abs(y[(j + 1) * w + col] - y[j * w + col])) } }
        guard grid.count > 0, off.count > 0, off.sum > 0 else { return .nan }
        return (grid.sum / Double(grid.count)) / (off.sum / Double(off.count))
    }
}
