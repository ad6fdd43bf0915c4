/// `enhance-ctl evaluate`: how bicubic and each model do on a folder of HR photos whose LR
/// inputs are made here (clean, or degraded by `--degrade`) or given (`--lr`) — PSNR-Y, SSIM-Y
/// and the blockiness index per image and on average, as a table or JSON, and a contact sheet.
import ArgumentParser
import Common
import Degradation
import Foundation
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

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "Write a contact sheet PNG: per photo, the same crop as input (nearest-neighbour ×4), bicubic, each model and the reference.")
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

        enum CodingKeys: String, CodingKey { case method, psnrY = "psnr_y", ssimY = "ssim_y", blockiness }
    }

    struct ImageReport: Encodable {
        var image: String
        var width: Int
        var height: Int
        var results: [Row]
    }

    struct Report: Encodable {
        var data: String
        var input: String
        var images: [ImageReport]
        var mean: [Row]
        var sheet: String?
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
            var sheetRows: [[RGBImage]] = []
            for (i, file) in files.enumerated() {
                let pair = ImagePair(path: file, hr: try RGBImage.load(path: file))
                let input: RGBImage
                if let lr {
                    input = try Self.lowResolution(for: file, root: data, in: lr, size: (pair.lr.width, pair.lr.height))
                } else if let degrader {
                    var rng = SplitMix64(seed: seed, step: 0, index: i)
                    input = try degrader.degrade(highResolution: pair.hr, cleanLowResolution: pair.lr, rng: &rng)
                } else {
                    input = pair.lr
                }
                var outputs = [("bicubic", Bicubic.upscale(input, by: 4))]
                for m in models {
                    let sr = try m.generator.run(input.pixels, height: input.height, width: input.width)
                    // 8-bit like the product's output, rounded half to even as Validation does.
                    outputs.append((m.label, RGBImage(width: pair.hr.width, height: pair.hr.height,
                                                      pixels: sr.map { min(max($0, 0), 255).rounded(.toNearestOrEven) })))
                }
                var rows = outputs.map { label, image in
                    Row(method: label, psnrY: Self.finite(Quality.psnrY(image, pair.hr)), ssimY: Self.finite(Quality.ssimY(image, pair.hr)),
                        blockiness: Self.finite(Quality.blockiness(image)))
                }
                rows.append(Row(method: "reference", psnrY: nil, ssimY: nil, blockiness: Self.finite(Quality.blockiness(pair.hr))))
                images.append(ImageReport(image: Self.relative(file, to: data), width: pair.hr.width, height: pair.hr.height,
                                          results: rows))
                if sheet != nil { sheetRows.append([ContactSheet.nearest(input, by: 4)] + outputs.map { $0.1 } + [pair.hr]) }
            }
            let mean = images[0].results.indices.map { k in
                func average(_ value: (Row) -> Double?) -> Double? {
                    let values = images.compactMap { value($0.results[k]) }
                    return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
                }
                return Row(method: images[0].results[k].method, psnrY: average(\.psnrY), ssimY: average(\.ssimY),
                           blockiness: average(\.blockiness))
            }
            if let sheet {
                try ContactSheet(rows: sheetRows, side: sheetCrop).image().save(path: sheet, format: .png)
            }
            let report = Report(data: data, input: lr.map { "lr files in \($0)" } ?? spec.map(\.description) ?? "clean bicubic",
                                images: images, mean: mean, sheet: sheet)
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
        for r in report.mean { table.add(cells("mean of \(report.images.count)", r)) }
        var text = "input: \(report.input)\n" + table.render()
        if let sheet = report.sheet { text += "\ncontact sheet: \(sheet)" }
        return text
    }

    static func finite(_ value: Double) -> Double? { value.isFinite ? value : nil }

    static func relative(_ path: String, to root: String) -> String {
        path.hasPrefix(root) ? String(path.dropFirst(root.count)).trimmingCharacters(in: ["/"]) : path
    }

    /// `--lr`'s file for the HR photo `file`: the same relative name, with any image extension;
    /// it must be exactly the HR's (cropped) size over 4.
    static func lowResolution(for file: String, root: String, in directory: String, size: (Int, Int)) throws -> RGBImage {
        let stem = (relative(file, to: root) as NSString).deletingPathExtension
        let candidates = Dataset.extensions.sorted().flatMap { [$0, $0.uppercased()] }.map { directory + "/" + stem + "." + $0 }
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw Failure("\(file): no LR file \(stem).png/.jpg/.jpeg in \(directory)")
        }
        let image = try RGBImage.load(path: path)
        guard (image.width, image.height) == size else {
            throw Failure("\(path): \(image.width)×\(image.height), but its HR photo needs \(size.0)×\(size.1) (a quarter of \(file), cropped to a multiple of 4)")
        }
        return image
    }
}
