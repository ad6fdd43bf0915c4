/// JPEG's 8×8 DCT (orthonormal DCT-II, as the standard defines it with C(0) = 1/√2), forward
/// and inverse, on one block: what `JPEGDeblocker` moves between pixels and the coefficient
/// intervals the file allows. Keeps its own scratch memory, so one instance serves one thread.
import Foundation

final class BlockDCT {
    /// basis[u * 8 + x] = C(u)/2 · cos((2x + 1)uπ/16).
    private let basis: UnsafeMutablePointer<Float>
    private let scratch: UnsafeMutablePointer<Float>

    init() {
        basis = .allocate(capacity: 64)
        scratch = .allocate(capacity: 64)
        for i in 0..<64 {
            let (u, x) = (i / 8, i % 8)
            let c = u == 0 ? 1 / 2.0.squareRoot() : 1.0
            basis[i] = Float(c / 2 * cos(Double(2 * x + 1) * Double(u) * .pi / 16))
        }
    }

    deinit {
        basis.deallocate()
        scratch.deallocate()
    }

    /// F = B·f·Bᵀ: `pixels` (8 rows of 8) into `coefficients` (natural order: row = vertical
    /// frequency).
    func forward(_ pixels: UnsafePointer<Float>, _ coefficients: UnsafeMutablePointer<Float>) {
        let b = basis, t = scratch
        for y in 0..<8 {          // t[y][u] = Σx f[y][x] B[u][x]
            for u in 0..<8 {
                var s: Float = 0
                for x in 0..<8 { s += pixels[y &* 8 &+ x] * b[u &* 8 &+ x] }
                t[y &* 8 &+ u] = s
            }
        }
        for v in 0..<8 {          // F[v][u] = Σy B[v][y] t[y][u]
            for u in 0..<8 {
                var s: Float = 0
                for y in 0..<8 { s += b[v &* 8 &+ y] * t[y &* 8 &+ u] }
                coefficients[v &* 8 &+ u] = s
            }
        }
    }

    /// f = Bᵀ·F·B.
    func inverse(_ coefficients: UnsafePointer<Float>, _ pixels: UnsafeMutablePointer<Float>) {
        let b = basis, t = scratch
        for y in 0..<8 {          // t[y][u] = Σv B[v][y] F[v][u]
            for u in 0..<8 {
                var s: Float = 0
                for v in 0..<8 { s += b[v &* 8 &+ y] * coefficients[v &* 8 &+ u] }
                t[y &* 8 &+ u] = s
            }
        }
        for y in 0..<8 {          // f[y][x] = Σu t[y][u] B[u][x]
            for x in 0..<8 {
                var s: Float = 0
                for u in 0..<8 { s += t[y &* 8 &+ u] * b[u &* 8 &+ x] }
                pixels[y &* 8 &+ x] = s
            }
        }
    }
}
