/// What `fine-tune --degrade` and `evaluate --degrade` accept: a preset, or stages with their
/// ranges, written `stage:key=value,key=value;stage…`. The defaults are those of Real-ESRGAN's
/// x4plus training (Wang et al. 2021); docs: README "Degraded training pairs".
import Foundation

public struct DegradationSpec: Sendable, Equatable, CustomStringConvertible {
    public struct Blur: Sendable, Equatable {
        /// Probability the stage runs at all (the second round's is 0.8).
        public var probability = 1.0
        /// Kernel sides drawn (odd values only).
        public var sizes = 7...21
        public var sigma = 0.2...3.0
        /// Generalized Gaussian β and plateau β.
        public var betaGeneralized = 0.5...4.0
        public var betaPlateau = 1.0...2.0
        /// Relative weights of the six shapes, in `BlurKernel.Shape.allCases` order.
        public var shapeWeights = [0.45, 0.25, 0.12, 0.03, 0.12, 0.03]
        /// Probability of a sinc (ringing) kernel instead of a blur.
        public var sinc = 0.1
    }

    public struct Resize: Sendable, Equatable {
        /// Probabilities of scaling up, down, or keeping the size.
        public var up = 0.2, down = 0.7, keep = 0.1
        /// Scale factors: up draws from [1, upper], down from [lower, 1].
        public var scale = 0.15...1.5
        /// Relative weights of area, bilinear and bicubic.
        public var modeWeights = [1.0, 1.0, 1.0]
    }

    public struct NoiseStage: Sendable, Equatable {
        public var probability = 1.0
        /// Probability of Gaussian noise; Poisson otherwise.
        public var gaussian = 0.5
        /// Gaussian σ in levels of 0…255.
        public var sigma = 1.0...30.0
        /// Poisson noise scale.
        public var poisson = 0.05...3.0
        /// Probability the noise is gray (the same on all three channels).
        public var gray = 0.4
    }

    public struct JPEG: Sendable, Equatable {
        public var probability = 1.0
        public var quality = 30...95
    }

    public struct FinalSinc: Sendable, Equatable {
        public var probability = 0.8
        public var sizes = 7...21
    }

    public var blur: Blur?
    public var resize: Resize?
    public var noise: NoiseStage?
    public var jpeg: JPEG?
    public var blur2: Blur?
    public var resize2: Resize?
    public var noise2: NoiseStage?
    public var jpeg2: JPEG?
    public var sinc: FinalSinc?
    /// Probability a crop keeps its clean bicubic LR (no degradation at all).
    public var clean = 0.0
    /// A crop whose last change was a JPEG re-compression is deblocked within that JPEG's own
    /// quantization tables (`JPEGDeblocker`), as the daemon deblocks a JPEG before the network:
    /// a model tuned so learns the inputs it will be given. The token `deblock`, no keys.
    public var deblock = false

    public init() {}

    /// The second round's defaults in Real-ESRGAN: milder blur (applied with p = 0.8) and noise.
    static let secondBlur = { var b = Blur(); b.probability = 0.8; b.sigma = 0.2...1.5; return b }()
    static let secondResize = { var r = Resize(); (r.up, r.down, r.keep) = (0.3, 0.4, 0.3); r.scale = 0.3...1.2; return r }()
    static let secondNoise = { var n = NoiseStage(); n.sigma = 1...25; n.poisson = 0.05...2.5; return n }()

    public static let presets: [String: DegradationSpec] = [
        "jpeg": { var s = DegradationSpec(); s.jpeg = JPEG(); return s }(),
        "noise": { var s = DegradationSpec(); s.noise = NoiseStage(); return s }(),
        "realistic": {
            var s = DegradationSpec()
            (s.blur, s.resize, s.noise, s.jpeg) = (Blur(), Resize(), NoiseStage(), JPEG())
            (s.blur2, s.resize2, s.noise2, s.jpeg2) = (secondBlur, secondResize, secondNoise, JPEG())
            s.sinc = FinalSinc()
            return s
        }(),
    ]

    static let stageNames = ["blur", "resize", "noise", "jpeg", "blur2", "resize2", "noise2", "jpeg2", "sinc", "clean", "deblock"]

    /// Whether the pipeline works on the HR crop (blur or resize stages) rather than starting
    /// from the clean bicubic LR.
    public var startsFromHighResolution: Bool { blur != nil || resize != nil || blur2 != nil || resize2 != nil }

    public var hasSecondRound: Bool { blur2 != nil || resize2 != nil || noise2 != nil || jpeg2 != nil }

    public var isEmpty: Bool { self == DegradationSpec() }

    /// Parses a preset name or a spec; later tokens override earlier ones key by key, so
    /// `realistic;jpeg:q=40-60` is the full pipeline with another first-round JPEG range.
    public init(parsing text: String) throws(DegradationError) {
        self.init()
        let tokens = text.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !tokens.isEmpty else { throw DegradationError(spec: text, "empty (give a preset: \(Self.presetList), or stages)") }
        for token in tokens {
            let parts = token.split(separator: ":", maxSplits: 1).map(String.init)
            let name = parts[0].lowercased()
            // `jpeg` and `noise` are stage and preset alike (the preset is the stage at its
            // defaults); with keys they can only be the stage.
            if let preset = Self.presets[name], parts.count == 1 {
                self.merge(preset)
                continue
            }
            if Self.presets[name] != nil, !Self.stageNames.contains(name) {
                throw DegradationError(spec: text, "preset '\(name)' takes no keys")
            }
            guard Self.stageNames.contains(name) else {
                throw DegradationError(spec: text, "unknown stage '\(name)' (stages: \(Self.stageNames.joined(separator: ", ")); presets: \(Self.presetList))")
            }
            var keys: [(String, String)] = []
            if parts.count == 2 {
                for pair in parts[1].split(separator: ",") {
                    let kv = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard kv.count == 2, !kv[0].isEmpty else {
                        throw DegradationError(spec: text, "'\(pair)' in stage '\(name)' is not key=value")
                    }
                    keys.append((kv[0].lowercased(), kv[1]))
                }
            }
            try apply(stage: name, keys: keys, spec: text)
        }
        if deblock && jpeg == nil && jpeg2 == nil {
            throw DegradationError(spec: text, "'deblock' needs a jpeg or jpeg2 stage: only a JPEG has tables to deblock within")
        }
    }

    static var presetList: String { presets.keys.sorted().joined(separator: ", ") }

    mutating func merge(_ other: DegradationSpec) {
        blur = other.blur ?? blur; resize = other.resize ?? resize
        noise = other.noise ?? noise; jpeg = other.jpeg ?? jpeg
        blur2 = other.blur2 ?? blur2; resize2 = other.resize2 ?? resize2
        noise2 = other.noise2 ?? noise2; jpeg2 = other.jpeg2 ?? jpeg2
        sinc = other.sinc ?? sinc
        if other.clean > 0 { clean = other.clean }
        deblock = deblock || other.deblock
    }

    private mutating func apply(stage: String, keys: [(String, String)], spec: String) throws(DegradationError) {
        let reader = KeyReader(stage: stage, spec: spec)
        switch stage {
        case "blur", "blur2":
            var b = (stage == "blur" ? blur : blur2) ?? (stage == "blur" ? Blur() : Self.secondBlur)
            for (key, value) in keys {
                switch key {
                case "p": b.probability = try reader.probability(key, value)
                case "size": b.sizes = try reader.oddSizes(key, value)
                case "sigma": b.sigma = try reader.range(key, value, within: 0.01...50)
                case "betag": b.betaGeneralized = try reader.range(key, value, within: 0.01...20)
                case "betap": b.betaPlateau = try reader.range(key, value, within: 0.01...20)
                case "sinc": b.sinc = try reader.probability(key, value)
                default:
                    guard let i = BlurKernel.Shape.allCases.firstIndex(where: { $0.rawValue == key }) else {
                        throw reader.unknown(key, known: "p, size, sigma, betag, betap, sinc, " +
                                             BlurKernel.Shape.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    b.shapeWeights[i] = try reader.number(key, value, within: 0...1000)
                }
            }
            guard b.shapeWeights.contains(where: { $0 > 0 }) || b.sinc >= 1 else {
                throw DegradationError(spec: spec, "stage '\(stage)' gives every kernel shape weight 0")
            }
            if stage == "blur" { blur = b } else { blur2 = b }
        case "resize", "resize2":
            var r = (stage == "resize" ? resize : resize2) ?? (stage == "resize" ? Resize() : Self.secondResize)
            for (key, value) in keys {
                switch key {
                case "up": r.up = try reader.number(key, value, within: 0...1000)
                case "down": r.down = try reader.number(key, value, within: 0...1000)
                case "keep": r.keep = try reader.number(key, value, within: 0...1000)
                case "scale":
                    r.scale = try reader.range(key, value, within: 0.05...4)
                default:
                    guard let i = ResizeMode.allCases.firstIndex(where: { $0.rawValue == key }) else {
                        throw reader.unknown(key, known: "up, down, keep, scale, area, bilinear, bicubic")
                    }
                    r.modeWeights[i] = try reader.number(key, value, within: 0...1000)
                }
            }
            guard r.up + r.down + r.keep > 0, r.modeWeights.contains(where: { $0 > 0 }) else {
                throw DegradationError(spec: spec, "stage '\(stage)' gives every choice weight 0")
            }
            if stage == "resize" { resize = r } else { resize2 = r }
        case "noise", "noise2":
            var n = (stage == "noise" ? noise : noise2) ?? (stage == "noise" ? NoiseStage() : Self.secondNoise)
            for (key, value) in keys {
                switch key {
                case "p": n.probability = try reader.probability(key, value)
                case "gaussian": n.gaussian = try reader.probability(key, value)
                case "sigma": n.sigma = try reader.range(key, value, within: 0...255)
                case "poisson": n.poisson = try reader.range(key, value, within: 0...50)
                case "gray": n.gray = try reader.probability(key, value)
                default: throw reader.unknown(key, known: "p, gaussian, sigma, poisson, gray")
                }
            }
            if stage == "noise" { noise = n } else { noise2 = n }
        case "jpeg", "jpeg2":
            var j = (stage == "jpeg" ? jpeg : jpeg2) ?? JPEG()
            for (key, value) in keys {
                switch key {
                case "p": j.probability = try reader.probability(key, value)
                case "q", "quality":
                    let q = try reader.range(key, value, within: 1...100)
                    guard q.lowerBound == q.lowerBound.rounded(), q.upperBound == q.upperBound.rounded() else {
                        throw reader.invalid(key, value, "JPEG qualities are whole numbers 1-100")
                    }
                    j.quality = Int(q.lowerBound)...Int(q.upperBound)
                default: throw reader.unknown(key, known: "p, q")
                }
            }
            if stage == "jpeg" { jpeg = j } else { jpeg2 = j }
        case "deblock":
            if let (key, _) = keys.first { throw reader.unknown(key, known: "none") }
            deblock = true
        case "sinc":
            var s = sinc ?? FinalSinc()
            for (key, value) in keys {
                switch key {
                case "p": s.probability = try reader.probability(key, value)
                case "size": s.sizes = try reader.oddSizes(key, value)
                default: throw reader.unknown(key, known: "p, size")
                }
            }
            sinc = s
        default: // "clean"
            var p = 0.1
            for (key, value) in keys {
                guard key == "p" else { throw reader.unknown(key, known: "p") }
                p = try reader.probability(key, value)
            }
            clean = p
        }
    }

    /// The spec written out in full, every key of every stage: what a model's metadata records.
    public var description: String {
        func r(_ range: ClosedRange<Double>) -> String {
            range.lowerBound == range.upperBound ? fmt(range.lowerBound) : "\(fmt(range.lowerBound))-\(fmt(range.upperBound))"
        }
        func ri(_ range: ClosedRange<Int>) -> String {
            range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
        }
        var tokens: [String] = []
        func blurToken(_ name: String, _ b: Blur) {
            let shapes = zip(BlurKernel.Shape.allCases, b.shapeWeights).map { "\($0.rawValue)=\(fmt($1))" }
            tokens.append("\(name):p=\(fmt(b.probability)),size=\(ri(b.sizes)),sigma=\(r(b.sigma)),betag=\(r(b.betaGeneralized)),betap=\(r(b.betaPlateau)),sinc=\(fmt(b.sinc)),"
                          + shapes.joined(separator: ","))
        }
        func resizeToken(_ name: String, _ z: Resize) {
            let modes = zip(ResizeMode.allCases, z.modeWeights).map { "\($0.rawValue)=\(fmt($1))" }
            tokens.append("\(name):up=\(fmt(z.up)),down=\(fmt(z.down)),keep=\(fmt(z.keep)),scale=\(r(z.scale)),"
                          + modes.joined(separator: ","))
        }
        func noiseToken(_ name: String, _ n: NoiseStage) {
            tokens.append("\(name):p=\(fmt(n.probability)),gaussian=\(fmt(n.gaussian)),sigma=\(r(n.sigma)),poisson=\(r(n.poisson)),gray=\(fmt(n.gray))")
        }
        func jpegToken(_ name: String, _ j: JPEG) { tokens.append("\(name):p=\(fmt(j.probability)),q=\(ri(j.quality))") }
        if let b = blur { blurToken("blur", b) }
        if let z = resize { resizeToken("resize", z) }
        if let n = noise { noiseToken("noise", n) }
        if let j = jpeg { jpegToken("jpeg", j) }
        if let b = blur2 { blurToken("blur2", b) }
        if let z = resize2 { resizeToken("resize2", z) }
        if let n = noise2 { noiseToken("noise2", n) }
        if let j = jpeg2 { jpegToken("jpeg2", j) }
        if let s = sinc { tokens.append("sinc:p=\(fmt(s.probability)),size=\(ri(s.sizes))") }
        if clean > 0 { tokens.append("clean:p=\(fmt(clean))") }
        if deblock { tokens.append("deblock") }
        return tokens.joined(separator: ";")
    }

    /// The spec split by kind of degradation (blur with the final sinc, resize, noise, JPEG),
    /// each alone, then the whole when it has more than one: what validation scores separately.
    public var kinds: [(name: String, spec: DegradationSpec)] {
        var out: [(name: String, spec: DegradationSpec)] = []
        var s = DegradationSpec()
        (s.blur, s.blur2, s.sinc) = (blur, blur2, sinc)
        if !s.isEmpty { out.append(("blur", s)) }
        s = DegradationSpec(); (s.resize, s.resize2) = (resize, resize2)
        if !s.isEmpty { out.append(("resize", s)) }
        s = DegradationSpec(); (s.noise, s.noise2) = (noise, noise2)
        if !s.isEmpty { out.append(("noise", s)) }
        s = DegradationSpec(); (s.jpeg, s.jpeg2) = (jpeg, jpeg2)
        if !s.isEmpty {
            s.deblock = deblock
            out.append(("jpeg", s))
        }
        var whole = self
        whole.clean = 0
        if out.count > 1 { out.append(("all", whole)) }
        return out
    }
}

private func fmt(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e6 ? String(Int(v)) : String(format: "%g", v)
}

/// Reads one stage's values, with errors that name the spec, the stage and the key.
private struct KeyReader {
    let stage: String
    let spec: String

    func invalid(_ key: String, _ value: String, _ why: String) -> DegradationError {
        DegradationError(spec: spec, "\(stage) \(key)=\(value): \(why)")
    }

    func unknown(_ key: String, known: String) -> DegradationError {
        DegradationError(spec: spec, "stage '\(stage)' has no key '\(key)' (keys: \(known))")
    }

    /// `value` as a number within `bounds`; errors quote `whole` (the range it is an end of).
    func number(_ key: String, _ value: String, within bounds: ClosedRange<Double>,
                whole: String? = nil) throws(DegradationError) -> Double {
        guard let v = Double(value), v.isFinite else { throw invalid(key, whole ?? value, "not a number") }
        guard bounds.contains(v) else {
            throw invalid(key, whole ?? value, "outside \(fmt(bounds.lowerBound))-\(fmt(bounds.upperBound))")
        }
        return v
    }

    func probability(_ key: String, _ value: String) throws(DegradationError) -> Double {
        guard let v = Double(value), (0...1).contains(v) else { throw invalid(key, value, "a probability is a number 0-1") }
        return v
    }

    /// `a-b` or a single value `a`, lower ≤ upper, both within `bounds`.
    func range(_ key: String, _ value: String, within bounds: ClosedRange<Double>) throws(DegradationError) -> ClosedRange<Double> {
        let ends = value.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard ends.count == 1 || ends.count == 2 else { throw invalid(key, value, "expected a value or a range low-high") }
        let low = try number(key, ends[0], within: bounds, whole: value)
        let high = try ends.count == 2 ? number(key, ends[1], within: bounds, whole: value) : low
        guard low <= high else { throw invalid(key, value, "the range's low end is above its high end") }
        return low...high
    }

    func oddSizes(_ key: String, _ value: String) throws(DegradationError) -> ClosedRange<Int> {
        let r = try range(key, value, within: 1...41)
        let (low, high) = (Int(r.lowerBound), Int(r.upperBound))
        guard Double(low) == r.lowerBound, Double(high) == r.upperBound, low % 2 == 1 || high % 2 == 1 || low < high else {
            throw invalid(key, value, "kernel sides are odd whole numbers 1-41")
        }
        return low...high
    }
}
