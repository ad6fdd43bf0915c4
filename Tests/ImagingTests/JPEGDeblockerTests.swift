/// Deblocking a JPEG within its own quantization tables (issue 14, item 3): the coefficients
/// come out of the file as libjpeg stored them, every round ends inside the intervals the
/// file allows, block edges fade on a heavily compressed photo and a light one is left alone,
/// and files it cannot work on are refused once, clearly.
import Foundation
import Testing
@testable import Imaging
import TestSupport

@Suite("JPEG deblocking with the file's tables")
struct JPEGDeblockerTests {
    let scratch: ScratchDirectory
    init() throws { scratch = try ScratchDirectory() }

    /// A 128×96 crop of coffee.jpg (colour, 4:2:0 as our writer saves it), or its luma only,
    /// saved at `quality`. Small, so a debug build deblocks it in a moment.
    func saved(at quality: Int, gray: Bool = false) throws -> String {
        let photo = try PixelBuffer.load(path: TestEnvironment.fixture("UpscalingTests", "coffee.jpg"))
        guard case .uint8(let rgb) = photo.samples else { throw CocoaError(.fileReadCorruptFile) }
        let (w, h) = (128, 96)
        var crop: [UInt8] = []
        for y in 0..<h {
            for x in 0..<w {
                let i = ((y + 100) * photo.width + x + 136) * 3
                if gray {
                    let r: Int = 299 * Int(rgb[i]), g: Int = 587 * Int(rgb[i + 1]), b: Int = 114 * Int(rgb[i + 2])
                    crop.append(UInt8((r + g + b + 500) / 1000))
                } else {
                    crop += rgb[i..<(i + 3)]
                }
            }
        }
        let path = scratch.file("q\(quality)\(gray ? "-gray" : "").jpg")
        try PixelBuffer(width: w, height: h, channels: gray ? 1 : 3, samples: .uint8(crop)).save(path: path, quality: quality)
        return path
    }

    func decoded(_ path: String) throws -> [UInt8] {
        let reader = try ImageReader(path: path)
        var samples: [UInt8] = []
        try reader.readRows(count: reader.info.height, into: &samples)
        return samples
    }

    /// The mean absolute luma step across 8-pixel block boundaries (columns and rows j with
    /// j mod 8 = 7 to j + 1) over the mean step everywhere else: 1 for an image without
    /// blocking, above 1 when block edges show.
    static func blockiness(_ samples: [UInt8], width: Int, height: Int, channels: Int) -> Double {
        func luma(_ x: Int, _ y: Int) -> Double {
            let i = (y * width + x) * channels
            if channels == 1 { return Double(samples[i]) }
            let r: Double = 0.299 * Double(samples[i]), g: Double = 0.587 * Double(samples[i + 1])
            return r + g + 0.114 * Double(samples[i + 2])
        }
        var on = (0.0, 0), off = (0.0, 0)
        for y in 0..<height {
            for x in 0..<(width - 1) {
                let step = abs(luma(x + 1, y) - luma(x, y))
                if x % 8 == 7 { on = (on.0 + step, on.1 + 1) } else { off = (off.0 + step, off.1 + 1) }
            }
        }
        for y in 0..<(height - 1) {
            for x in 0..<width {
                let step = abs(luma(x, y + 1) - luma(x, y))
                if y % 8 == 7 { on = (on.0 + step, on.1 + 1) } else { off = (off.0 + step, off.1 + 1) }
            }
        }
        return (on.0 / Double(on.1)) / (off.0 / Double(off.1))
    }

    static func meanAbsoluteDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(a.count)
    }

    @Test("without smoothing the coefficients decode to what libjpeg decodes: they are read in the file's order, with its tables")
    func coefficientsAsStored() throws {
        let gray = try saved(at: 50, gray: true)
        let undone = JPEGDeblocker.deblock(try JPEGCoefficients(path: gray), iterations: 0)
        let reference = try decoded(gray)
        #expect(undone.count == reference.count)
        #expect(zip(undone, reference).allSatisfy { abs(Int($0) - Int($1)) <= 1 }, "gray: within libjpeg's integer IDCT rounding")
        let colour = try saved(at: 50)
        let coefficients = try JPEGCoefficients(path: colour)
        #expect(coefficients.isYCbCr && coefficients.components.count == 3)
        #expect(coefficients.components.map(\.horizontalStep) == [1, 2, 2], "4:2:0 chroma")
        // Chroma upsampling and colour conversion differ from libjpeg's by rounding only.
        #expect(Self.meanAbsoluteDifference(JPEGDeblocker.deblock(coefficients, iterations: 0), try decoded(colour)) < 1.0)
    }

    @Test("after deblocking every block's DCT coefficients lie within [(k − ½)Q, (k + ½)Q] of the stored k, luma and subsampled chroma alike")
    func projectionKeepsIntervals() throws {
        let coefficients = try JPEGCoefficients(path: try saved(at: 30))
        let dct = BlockDCT()
        var block = [Float](repeating: 0, count: 64), out = [Float](repeating: 0, count: 64)
        for component in coefficients.components {
            let plane = JPEGDeblocker.deblockedPlane(component, iterations: 12)
            let stride = component.blocksWide * 8
            var worst: Float = 0
            for by in 0..<component.blocksHigh {
                for bx in 0..<component.blocksWide {
                    for y in 0..<8 { for x in 0..<8 { block[y * 8 + x] = plane[(by * 8 + y) * stride + bx * 8 + x] - 128 } }
                    dct.forward(block, &out)
                    for i in 0..<64 {
                        let q = Float(component.quant[i])
                        let k = Float(component.coefficients[(by * component.blocksWide + bx) * 64 + i])
                        worst = max(worst, abs(out[i] - k * q) - q / 2)
                    }
                }
            }
            #expect(worst <= 1e-3, "a coefficient left its interval by \(worst)")
        }
    }

    @Test("deblocking lowers the block-edge steps of a decoded q30 JPEG towards the original's")
    func fadesBlocks() throws {
        let path = try saved(at: 30)
        let before = Self.blockiness(try decoded(path), width: 128, height: 96, channels: 3)
        let after = Self.blockiness(JPEGDeblocker.deblock(try JPEGCoefficients(path: path)), width: 128, height: 96, channels: 3)
        let original = Self.blockiness(try decoded(try saved(at: 100)), width: 128, height: 96, channels: 3)
        #expect(before > original * 1.2, "q30 shows its blocks: \(before) vs \(original)")
        #expect(after < before - 0.5 * (before - original), "deblocked \(after), decoded \(before), original \(original)")
    }

    @Test("a q95 JPEG is changed little — under 1.5 levels on average — and stays as close to the original as its plain decode")
    func leavesFineJPEGs() throws {
        let coefficients = try JPEGCoefficients(path: try saved(at: 95))
        let deblocked = JPEGDeblocker.deblock(coefficients)
        // Against the same pipeline without smoothing, so only the deblocking is measured.
        let change = Self.meanAbsoluteDifference(deblocked, JPEGDeblocker.deblock(coefficients, iterations: 0))
        #expect(change < 1.5, "mean change \(change) levels")
        let original = try decoded(try saved(at: 100))
        let before = Self.psnr(try decoded(try saved(at: 95)), original), after = Self.psnr(deblocked, original)
        #expect(after > before - 0.5, "PSNR against the original: deblocked \(after) dB, decoded \(before) dB")
    }

    static func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
        let mse = zip(a, b).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) } / Double(a.count)
        return 10 * log10(255 * 255 / mse)
    }

    @Test("a progressive JPEG has the same coefficients as the baseline one of the same picture")
    func progressive() throws {
        let baseline = try saved(at: 40)
        let progressive = scratch.file("progressive.jpg")
        let run = try runCommand("/usr/bin/jpegtran", ["-progressive", "-copy", "all", "-outfile", progressive, baseline])
        #expect(run.status == 0, "\(run.stderr)")
        let a = try JPEGCoefficients(path: baseline), b = try JPEGCoefficients(path: progressive)
        #expect(a.components.map(\.coefficients) == b.components.map(\.coefficients))
        #expect(a.components.map(\.quant) == b.components.map(\.quant))
    }

    @Test("a file that is not a JPEG, a truncated JPEG and a missing file each fail once, naming the file and the cause")
    func refusals() throws {
        let png = scratch.file("photo.png")
        try PixelBuffer(width: 8, height: 8, channels: 3, samples: .uint8(.init(repeating: 90, count: 192))).save(path: png)
        let notJPEG = expectFailure(.unsupportedFormat, naming: png) { _ = try JPEGCoefficients(path: png) }
        #expect(notJPEG?.description.contains("not a JPEG") == true, "\(String(describing: notJPEG))")

        let whole = try Data(contentsOf: URL(fileURLWithPath: try saved(at: 40)))
        let cut = try scratch.write(Array(whole.prefix(whole.count / 2)), to: "cut.jpg")
        let truncated = #expect(throws: ImageError.self) { _ = try JPEGCoefficients(path: cut) }
        #expect(truncated.map { [.truncated, .corrupt].contains($0.kind) } == true, "\(String(describing: truncated))")
        #expect(truncated?.description.hasPrefix(cut + ": ") == true)
        #expect(truncated?.description.split(separator: "\n").count == 1)

        expectFailure(.notFound, naming: scratch.file("gone.jpg")) { _ = try JPEGCoefficients(path: scratch.file("gone.jpg")) }
    }

    @Test("a JPEG held in memory gives the very coefficients and tables the same bytes give from a file, and deblocks the same")
    func fromMemory() throws {
        let path = try saved(at: 30)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let file = try JPEGCoefficients(path: path), memory = try JPEGCoefficients(bytes: bytes)
        #expect(memory.components.count == 3 && memory.components[1].width == 64)
        #expect(memory == file)
        #expect(JPEGDeblocker.deblock(memory, iterations: 2) == JPEGDeblocker.deblock(file, iterations: 2))
    }

    @Test("bytes in memory that are not a JPEG, none, or a JPEG cut short each fail once, naming what they were")
    func memoryRefusals() throws {
        let png = expectFailure(.unsupportedFormat, naming: "the PNG") {
            _ = try JPEGCoefficients(bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], label: "the PNG")
        }
        #expect(png?.description.contains("not a JPEG") == true, "\(String(describing: png))")
        expectFailure(.empty, naming: InMemoryJPEG.label) { _ = try JPEGCoefficients(bytes: []) }
        let whole = Array(try Data(contentsOf: URL(fileURLWithPath: try saved(at: 40))))
        let cut = #expect(throws: ImageError.self) { _ = try JPEGCoefficients(bytes: Array(whole.prefix(whole.count / 2)), label: "half") }
        #expect(cut.map { [.truncated, .corrupt].contains($0.kind) } == true, "\(String(describing: cut))")
        #expect(cut?.description.hasPrefix("half: ") == true && cut?.description.contains("\n") == false)
    }

    @Test("a deblocking reader serves the deblocked rows with the file's own header, metadata and tables")
    func reader() throws {
        let path = try saved(at: 30)
        let reader = try JPEGDeblocker.reader(path: path)
        #expect(reader.jpegQuality == 30 && reader.info.width == 128 && reader.info.height == 96)
        var rows: [UInt8] = []
        try reader.readRows(count: 96, into: &rows)
        #expect(rows == JPEGDeblocker.deblock(try JPEGCoefficients(path: path)))
    }
}
