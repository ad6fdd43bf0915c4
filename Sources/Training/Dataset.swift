/// Training and validation images: a recursive scan, a manifest hash, LR/HR pairs made the way
/// the reference's DIV2K pairs are made, and random aligned crops.
import Degradation
import Foundation
import Hashing

/// One image as the pipeline uses it: HR cropped to a multiple of 4, and its ×4 bicubic LR.
public struct ImagePair: Sendable {
    public let path: String
    public let hr: RGBImage
    public let lr: RGBImage

    public init(path: String, hr full: RGBImage) {
        self.path = path
        hr = full.cropped(width: full.width / 4 * 4, height: full.height / 4 * 4)
        lr = Bicubic.downscale(hr, by: 4)
    }
}

public enum Dataset {
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Image files under `directory`, recursively, sorted (so every run sees the same order).
    public static func scan(_ directory: String) throws -> [String] {
        let root = URL(fileURLWithPath: directory)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw TrainingError("\(directory): cannot read the directory")
        }
        var files: [String] = []
        for case let url as URL in walker where extensions.contains(url.pathExtension.lowercased()) {
            files.append(url.path)
        }
        guard !files.isEmpty else { throw TrainingError("\(directory): no PNG or JPEG images found") }
        return files.sorted()
    }

    /// SHA-256 over every file's name (relative to `root`) and content hash: names the exact
    /// data a model was trained on.
    public static func manifestHash(_ files: [String], root: String) throws -> String {
        var manifest = ""
        for f in files {
            let relative = f.hasPrefix(root) ? String(f.dropFirst(root.count)).trimmingCharacters(in: ["/"]) : f
            manifest += "\(relative)\t\(try SHA256.hexDigest(ofFile: f))\n"
        }
        return SHA256.hex(SHA256.hash(Array(manifest.utf8)))
    }

    /// Without `--val`, every 10th image (at least one) is held out, chosen by position in the
    /// sorted list so the split never changes between runs or on resume.
    public static func split(_ files: [String]) -> (train: [String], validation: [String]) {
        guard files.count >= 2 else { return (files, []) }
        let stride = min(10, files.count)
        var train: [String] = [], validation: [String] = []
        for (i, f) in files.enumerated() { if i % stride == stride - 1 { validation.append(f) } else { train.append(f) } }
        return (train, validation)
    }

    public static func load(_ files: [String]) throws -> [ImagePair] {
        try files.map { ImagePair(path: $0, hr: try RGBImage.load(path: $0)) }
    }
}

/// A batch in the generator's layout: NCHW planes on the 0…255 scale.
public struct Batch: Sendable {
    public var lowResolution: [Float]
    public var highResolution: [Float]
}

/// Random crops with flips and 90° rotations, reproducible from (seed, step) alone — so a run
/// resumed at step k draws exactly the batches an uninterrupted run would, whatever the loader
/// had prefetched when it stopped. With a `degrader`, each crop's LR is its HR crop degraded
/// (drawn from (seed, step, index in the batch)) instead of the clean bicubic one.
public struct CropSampler: Sendable {
    public let pairs: [ImagePair]
    public let batchSize: Int
    /// HR crop side (LR is a quarter).
    public let crop: Int
    public let seed: UInt64
    public let degrader: Degrader?

    public init(pairs: [ImagePair], batchSize: Int, crop: Int, seed: UInt64, degrader: Degrader? = nil) throws {
        let usable = pairs.filter { $0.lr.width >= crop / 4 && $0.lr.height >= crop / 4 }
        guard !usable.isEmpty else { throw TrainingError("no training image is at least \(crop)×\(crop) pixels") }
        (self.pairs, self.batchSize, self.crop, self.seed, self.degrader) = (usable, batchSize, crop, seed, degrader)
    }

    public func batch(step: Int) throws -> Batch {
        var rng = SplitMix64(seed: seed ^ (UInt64(step) &* 0x9E37_79B9_7F4A_7C15))
        let (c, l) = (crop, crop / 4)
        var lrOut = [Float](repeating: 0, count: batchSize * 3 * l * l)
        var hrOut = [Float](repeating: 0, count: batchSize * 3 * c * c)
        for n in 0..<batchSize {
            let pair = pairs[Int(rng.next() % UInt64(pairs.count))]
            let x = Int(rng.next() % UInt64(pair.lr.width - l + 1)), y = Int(rng.next() % UInt64(pair.lr.height - l + 1))
            let transform = Int(rng.next() % 8)
            if let degrader {
                let hr = pair.hr.cropped(width: c, height: c, x: 4 * x, y: 4 * y)
                var own = SplitMix64(seed: seed, step: step, index: n)
                let lr = try degrader.degrade(highResolution: hr, cleanLowResolution: pair.lr.cropped(width: l, height: l, x: x, y: y),
                                              rng: &own)
                Self.extract(lr, x: 0, y: 0, size: l, transform: transform, into: &lrOut, offset: n * 3 * l * l)
                Self.extract(hr, x: 0, y: 0, size: c, transform: transform, into: &hrOut, offset: n * 3 * c * c)
            } else {
                Self.extract(pair.lr, x: x, y: y, size: l, transform: transform, into: &lrOut, offset: n * 3 * l * l)
                Self.extract(pair.hr, x: 4 * x, y: 4 * y, size: c, transform: transform, into: &hrOut, offset: n * 3 * c * c)
            }
        }
        return Batch(lowResolution: lrOut, highResolution: hrOut)
    }

    /// Copies the `size²` square at (x, y) into NCHW planes, flipped (transform ≥ 4) and rotated
    /// by (transform mod 4) quarter turns — the same for an LR crop and its HR crop.
    static func extract(_ image: RGBImage, x: Int, y: Int, size s: Int, transform: Int, into out: inout [Float],
                        offset: Int) {
        for row in 0..<s { for col in 0..<s {
            var (u, v) = (col, row)
            if transform >= 4 { u = s - 1 - u }
            for _ in 0..<(transform % 4) { (u, v) = (s - 1 - v, u) }
            let from = ((y + v) * image.width + x + u) * 3
            for k in 0..<3 { out[offset + (k * s + row) * s + col] = image.pixels[from + k] }
        } }
    }
}

public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
