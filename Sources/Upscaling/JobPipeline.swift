/// The work of one queued photo, from its opened and checked source to its committed output and
/// sidecar. The daemon's worker and `enhance-ctl bench archive` both run exactly this, so what
/// the bench measures is the daemon's path, not a copy of it.
import Foundation
import Hashing
import Imaging
import SRGAN
import Storage

public enum JobPipeline {
    /// What runs a job's pixels, chosen once its input is known (the daemon's `ModelRoute` and
    /// `model.deblock`; the bench the same defaults).
    public struct Network {
        public var generator: Generator
        public var modelName: String
        public var modelSHA256: String
        /// Whether a JPEG input is first deblocked within its own quantization tables.
        public var deblock: Bool

        public init(generator: Generator, modelName: String, modelSHA256: String, deblock: Bool) {
            self.generator = generator
            self.modelName = modelName
            self.modelSHA256 = modelSHA256
            self.deblock = deblock
        }
    }

    /// What a job produced: the upscale's result and the estimate recorded with the job.
    public struct Outcome {
        public var result: UpscaleResult
        /// Nil when the estimate's own decode failed (the upscale then reported the file, once).
        public var estimate: InputEstimate?
        /// The model that ran.
        public var modelName: String
        public var modelSHA256: String
        /// Why a JPEG chosen for deblocking was decoded as it is (CMYK, 12-bit, damaged).
        public var notDeblocked: String?
    }

    /// The opened file's bytes hash to the queued sha256, or `.changed`: the content that is
    /// decoded is the content that was queued (and de-duplicated) under this hash.
    public static func verifyContent(_ file: SecureFile, sha256 expected: String, clock: StageClock? = nil) throws {
        let clock = clock ?? StageClock()
        let actual = try clock.measure(.hashing) { () throws in
            var hasher = SHA256()
            try file.forEachChunk { hasher.update($0) }
            return SHA256.hex(hasher.finalize())
        }
        guard actual == expected else {
            throw StorageError(.changed, path: file.path, detail: "its content is not what was queued (sha256 \(actual.prefix(12))… ≠ \(expected.prefix(12))…)")
        }
    }

    /// Estimates what the input suffered, lets `choose` pick the network for it, enlarges `file`
    /// into `outputPath` and writes the merged XMP to `sidecarPath`; both appear together (with
    /// the source's mode bits, never wider) or neither does. `options.provenance` gets the
    /// estimate, the model and whether the input was deblocked; `options.clock`, if set, the
    /// time of each stage.
    public static func enhance(_ file: SecureFile, source: String, outputPath: String, sidecarPath: String,
                               maxPixels: Int, options: UpscaleOptions,
                               choose: (InputEstimate?) throws -> Network,
                               progress: (Double) -> Void = { _ in }) throws -> Outcome {
        var options = options
        let clock = options.clock ?? StageClock()
        options.clock = clock
        // A pass of its own over the checked descriptor, finished before the upscaler's reader
        // shares its offset: the provenance goes into the output's header, written before its
        // first row, and the choice of model needs it. A file it cannot decode is left for the
        // upscaler to report, once.
        let estimate = clock.measure(.estimate) {
            try? InputEstimate(descriptor: file.descriptor, path: source, maxPixels: maxPixels)
        }
        let network = try choose(estimate)
        options.provenance?.inputJPEGQuality = estimate?.jpegQuality
        options.provenance?.inputNoiseSigma = estimate?.noiseSigma
        options.provenance?.modelName = network.modelName
        options.provenance?.modelSHA256 = network.modelSHA256
        var notDeblocked: String?
        let reader = try clock.measure(.decode) { () throws(ImageError) in
            if network.deblock, estimate?.isJPEG == true {
                do {
                    let deblocked = try JPEGDeblocker.reader(descriptor: file.descriptor, path: source, maxPixels: maxPixels)
                    options.provenance?.deblocked = true
                    return try UprightReader(deblocked)
                } catch {
                    notDeblocked = "\(error)"
                }
            }
            return try UprightReader(descriptor: file.descriptor, path: source, maxPixels: maxPixels)
        }
        let pair = try PairedCommit(output: outputPath, sidecar: sidecarPath, mode: file.mode & 0o666)
        let result = try ImageUpscaler.upscale(reader, into: pair.output, generator: network.generator,
                                               options: options, progress: progress)
        // The sidecar is the image's own merged packet (digiKam and darktable read it as the
        // image's metadata), so it is always there when the daemon runs: provenance is given.
        try clock.measure(.encode) { () throws(StorageError) in try pair.sidecar.write(result.sidecarXMP ?? []) }
        try clock.measure(.fsync) { () throws(StorageError) in try pair.commit() }
        return Outcome(result: result, estimate: estimate, modelName: network.modelName,
                       modelSHA256: network.modelSHA256, notDeblocked: notDeblocked)
    }
}
