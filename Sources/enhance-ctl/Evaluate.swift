/// `enhance-ctl evaluate`: how bicubic and each model do on a folder of HR photos whose LR
/// inputs are made here (clean, or degraded by `--degrade`) or given (`--lr`) — PSNR-Y, SSIM-Y
/// and the blockiness index per image and on average, as a table or JSON, and a contact sheet.
import ArgumentParser
import Common
import Degradation
import Foundation
import Imaging
import SRGAN
import Training

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score bicubic and models on HR photos: PSNR-Y, SSIM-Y (4-px border) and blockiness, per image and mean.",
        discussion: """
            Each HR photo is cropped to a multiple of 4; its LR input is its MATLAB-bicubic ×¼ (clean), that \
            degraded by --degrade at fixed seeds (--seed), or the file of the same name in --lr. Blockiness \
            is the mean luma step across the 32-px grid of the LR's upscaled 8×8 JPEG blocks over the mean \
            step at the same ×4 phase off it: about 1 for any ×4 upscale of a clean input; `reference` is \
            the HR photo's own. Models run on the whole LR image (no tiles).

            --deblock adds, for every input that is a JPEG (an --lr .jpg/.jpeg file, or a --degrade \
            whose last stage that changed the input was a JPEG re-compression), the rows \
            "bicubic+deblock" and "<model>+deblock": the same methods on that JPEG deblocked with its \
            own quantization tables first, as upscale and the daemon do (below [model] \
            deblock_below_quality; here at any quality). Inputs that are not JPEG get no such rows.


            """ + DegradeOption.discussion)

    @Option(help: "Directory of HR photos (PNG/JPEG, searched recursively).")
    var data: String

    @Option(help: "A model to score: a name as `upscale --model` takes (srgan-pre) or a file. Repeat for more.")
    var model: [String] = []

    @Option(help: DegradeOption.help)
    var degrade: String?

    @Option(help: "Directory of LR inputs, each named like its HR photo (any of .png .jpg .jpeg) and a quarter of its size.")
    var lr: String?

    @Option(help: "Seed of the --degrade draws (default: validation's fixed seed).")
    var seed: UInt64 = Validation.degradationSeed

    @Flag(help: "Also score bicubic and each model on JPEG inputs deblocked with their own tables first (rows <method>+deblock).")
    var deblock = false

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "Write a contact sheet PNG: per photo, the same crop as input (nearest-neighbour ×4), bicubic, each model and the reference (with --deblock, each followed by its +deblock column; blank where the input is not JPEG).")
    var sheet: String?

    @Option(help: "Side of the contact sheet's crops, in HR pixels (a multiple of 32).")
    var sheetCrop: Int = 128

    @Option(help: "CPU threads for the network (default: all cores).")
    var threads: Int?

    func validate() throws {
        guard degrade == nil || lr == nil else { throw ValidationError("give --degrade or --lr, not both") }
        _ = try DegradeOption.parse(degrade)
        guard sheetCrop >= 32, sheetCrop % 32 == 0 else { throw ValidationError("--sheet-crop must be a positive multiple of 32") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// One method's scores on one image (PSNR and SSIM are nil for the reference itself;
    /// blockiness is nil for an image too small or too flat to have one).
    struct Row: Encodable {
        var method: String
        var psnrY: Double?
        var ssimY: Double?
        var blockiness: Double?
        /// In a mean row, how many images it averages (+deblock rows: the JPEG inputs only).
        var images: Int?

        enum CodingKeys: String, CodingKey { case method, psnrY = "psnr_y", ssimY = "ssim_y", blockiness, images }
    }

    /// The suffix of a method run on the deblocked input.
    static let deblockSuffix = "+deblock"

    struct ImageReport: Encodable {
        var image: String
        var width: Int
        var height: Int
        var results: [Row]
    }

    struct Report: Encodable {
        var data: String
        var input: String
        /// With --deblock, how many inputs were JPEGs and got +deblock rows.
        var deblockedInputs: Int?
        var images: [ImageReport]
        var mean: [Row]
        var sheet: String?

        enum CodingKeys: String, CodingKey { case data, input, deblockedInputs = "deblocked_inputs", images, mean, sheet }
    }

    func run() throws {
        try reportingFailures {
            let spec = try DegradeOption.parse(degrade)
            let files = try Dataset.scan(data)
            let models = try model.map { (label: ModelName.isName($0) ? $0 : ModelName.name(ofFile: $0),
                                          generator: try Generator(contentsOf: try ModelLocator.resolve($0),
                                                                   threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)) }
            let degrader = spec.map { Degrader($0) }
            var images: [ImageReport] = []
            var sheetRows: [[RGBImage?]] = []
            var deblockedInputs = 0
            for (i, file) in files.enumerated() {
                let pair = ImagePair(path: file, hr: try RGBImage.load(path: file))
                let input: RGBImage
                var deblocked: RGBImage?
                if let lr {
                    let given = try Self.lowResolution(for: file, root: data, in: lr, size: (pair.lr.width, pair.lr.height))
                    input = given.image
                    if deblock, Self.isJPEGName(given.path) {
                        deblocked = try Self.deblocked(try JPEGCoefficients(path: given.path), matching: input, name: given.path)
                    }
                } else if let degrader {
                    var rng = SplitMix64(seed: seed, step: 0, index: i)
                    let degraded = try degrader.degradeKeepingJPEG(highResolution: pair.hr, cleanLowResolution: pair.lr, rng: &rng)
                    input = degraded.image
                    if deblock, let jpeg = degraded.jpeg {
                        deblocked = try Self.deblocked(try JPEGCoefficients(bytes: jpeg, label: "\(file)'s degraded JPEG"),
                                                       matching: input, name: "\(file)'s degraded JPEG")
                    }
                } else {
                    input = pair.lr
                }
                if deblocked != nil { deblockedInputs += 1 }
                // Each method on the input, then (with --deblock) on its deblocked JPEG: nil
                // where the input is not one, so the columns of every sheet row line up.
                func upscaled(_ run: (RGBImage) throws -> RGBImage) throws -> [RGBImage?] {
                    [try run(input)] + (deblock ? [try deblocked.map(run)] : [])
                }
                var outputs: [(String, [RGBImage?])] = [("bicubic", try upscaled { Bicubic.upscale($0, by: 4) })]
                for m in models {
                    outputs.append((m.label, try upscaled { lr in
                        let sr = try m.generator.run(lr.pixels, height: lr.height, width: lr.width)
                        // 8-bit like the product's output, rounded half to even as Validation does.
                        return RGBImage(width: pair.hr.width, height: pair.hr.height,
                                        pixels: sr.map { min(max($0, 0), 255).rounded(.toNearestOrEven) })
                    }))
                }
                var rows: [Row] = []
                for (label, variants) in outputs {
                    for (image, name) in zip(variants, [label, label + Self.deblockSuffix]) {
                        guard let image else { continue }
                        rows.append(Row(method: name, psnrY: Self.finite(Quality.psnrY(image, pair.hr)),
                                        ssimY: Self.finite(Quality.ssimY(image, pair.hr)), blockiness: Self.finite(Quality.blockiness(image))))
                    }
                }
                rows.append(Row(method: "reference", psnrY: nil, ssimY: nil, blockiness: Self.finite(Quality.blockiness(pair.hr))))
                images.append(ImageReport(image: Self.relative(file, to: data), width: pair.hr.width, height: pair.hr.height,
                                          results: rows))
                if sheet != nil {
                    let inputs = [ContactSheet.nearest(input, by: 4)] + (deblock ? [deblocked.map { ContactSheet.nearest($0, by: 4) }] : [])
                    sheetRows.append(inputs + outputs.flatMap { $0.1 } + [pair.hr])
                }
            }
            // Methods in the order a run with every input JPEG prints them; a +deblock row
            // averages the JPEG inputs only, and says how many.
            let methods = (["bicubic"] + models.map(\.label)).flatMap { deblock ? [$0, $0 + Self.deblockSuffix] : [$0] } + ["reference"]
            let mean = methods.compactMap { method -> Row? in
                let found = images.compactMap { $0.results.first { $0.method == method } }
                guard !found.isEmpty else { return nil }
                func average(_ value: (Row) -> Double?) -> Double? {
                    let values = found.compactMap(value)
                    return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
                }
                return Row(method: method, psnrY: average(\.psnrY), ssimY: average(\.ssimY), blockiness: average(\.blockiness),
                           images: found.count)
            }
            if let sheet {
                try ContactSheet(rows: sheetRows, side: sheetCrop).image().save(path: sheet, format: .png)
            }
            let report = Report(data: data, input: lr.map { "lr files in \($0)" } ?? spec.map(\.description) ?? "clean bicubic",
                                deblockedInputs: deblock ? deblockedInputs : nil, images: images, mean: mean, sheet: sheet)
            if json {
                try printJSON(report)
            } else {
                print(Self.table(report))
            }
        }
    }

    static func table(_ report: Report) -> String {
        var table = TextTable(["image", "method", "PSNR-Y dB", "SSIM-Y", "blockiness"], rightAligned: [2, 3, 4])
        func cells(_ name: String, _ r: Row) -> [String] {
            [name, r.method, r.psnrY.map { fixed($0, 2) } ?? "-", r.ssimY.map { fixed($0, 4) } ?? "-", r.blockiness.map { fixed($0, 2) } ?? "-"]
        }
        for image in report.images { for r in image.results { table.add(cells(image.image, r)) } }
        for r in report.mean { table.add(cells("mean of \(r.images ?? report.images.count)", r)) }
        var text = "input: \(report.input)"
        if let n = report.deblockedInputs {
            text += "; +deblock: \(n) of \(report.images.count) inputs are JPEGs, deblocked with their own tables first"
                + " (inputs that are not JPEG have no +deblock rows)"
        }
        text += "\n" + table.render()
        if let sheet = report.sheet { text += "\ncontact sheet: \(sheet)" }
        return text
    }

    static func finite(_ value: Double) -> Double? { value.isFinite ? value : nil }

    static func relative(_ path: String, to root: String) -> String {
        path.hasPrefix(root) ? String(path.dropFirst(root.count)).trimmingCharacters(in: ["/"]) : path
    }

    /// `--lr`'s file for the HR photo `file`: the same relative name, with any image extension;
    /// it must be exactly the HR's (cropped) size over 4.
    static func lowResolution(for file: String, root: String, in directory: String,
                              size: (Int, Int)) throws -> (path: String, image: RGBImage) {
        let stem = (relative(file, to: root) as NSString).deletingPathExtension
        let candidates = Dataset.extensions.sorted().flatMap { [$0, $0.uppercased()] }.map { directory + "/" + stem + "." + $0 }
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw Failure("\(file): no LR file \(stem).png/.jpg/.jpeg in \(directory)")
        }
        let image = try RGBImage.load(path: path)
        guard (image.width, image.height) == size else {
            throw Failure("\(path): \(image.width)×\(image.height), but its HR photo needs \(size.0)×\(size.1) (a quarter of \(file), cropped to a multiple of 4)")
        }
        return (path, image)
    }

    static func isJPEGName(_ path: String) -> Bool {
        ["jpg", "jpeg"].contains((path as NSString).pathExtension.lowercased())
    }

    /// The JPEG behind `input` deblocked as upscale and the daemon deblock it (JPEGDeblocker's
    /// defaults), as RGB; it must be the input's size, which a JPEG decoder gives it.
    static func deblocked(_ jpeg: JPEGCoefficients, matching input: RGBImage, name: String) throws -> RGBImage {
        guard (jpeg.width, jpeg.height) == (input.width, input.height) else {
            throw Failure("\(name): its coefficients are \(jpeg.width)×\(jpeg.height), its decoded pixels \(input.width)×\(input.height)")
        }
        return RGBImage(width: jpeg.width, height: jpeg.height, samples: JPEGDeblocker.deblock(jpeg),
                        channels: jpeg.components.count == 1 ? 1 : 3)
    }
}
