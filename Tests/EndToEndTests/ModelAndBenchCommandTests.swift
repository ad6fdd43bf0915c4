/// `enhance-ctl model` and `enhance-ctl bench`, through the real binary.
import Foundation
import Testing
import TestSupport

@Suite("enhance-ctl model and bench")
struct ModelAndBenchCommandTests {
    let ctl = try! TestEnvironment.binary("enhance-ctl")

    @Test("importing the published generator writes safetensors recording its source and sha256")
    func importGenerator() throws {
        let directory = try TestEnvironment.temporaryDirectory("import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let h5 = (ProcessInfo.processInfo.environment["ENHANCE_H5_DIR"] ?? TestEnvironment.packageRoot.path + "/var/cache/weights") + "/gan_generator.h5"
        let out = directory.appendingPathComponent("g.safetensors").path
        let result = try runCommand(ctl, ["model", "import", h5, "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
        let info = try runCommand(ctl, ["model", "info", out])
        #expect(info.stdout.contains("architecture: srgan-generator"))
        #expect(info.stdout.contains("source_sha256: a4e067cacf98a97640e2e0b6d0427f881b9b6230b317fadb88750365ce1a1769"))
        #expect(info.stdout.contains("parameters: 1554883"))
        #expect(info.stdout.contains("scale: 4"))
    }

    @Test("importing a file that is not Keras weights fails with one line naming it")
    func importGarbage() throws {
        let directory = try TestEnvironment.temporaryDirectory("import")
        defer { try? FileManager.default.removeItem(at: directory) }
        let bogus = directory.appendingPathComponent("weights.h5").path
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: bogus))
        let out = directory.appendingPathComponent("w.safetensors").path
        let result = try runCommand(ctl, ["model", "import", bogus, "--out", out])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("enhance-ctl: \(bogus):"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("bench --json reports every size and thread count with consistent figures")
    func benchJSON() throws {
        let result = try runCommand(ctl, ["bench", "--sizes", "16", "24", "--threads", "1", "2", "--runs", "1", "--json"],
                                    environment: ["ENHANCE_MODEL_DIR": TestEnvironment.modelDirectory])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 4)
        for row in rows {
            let size = try #require(row["size"] as? Int), seconds = try #require(row["medianSeconds"] as? Double)
            let perMP = try #require(row["secondsPerOutputMegapixel"] as? Double)
            let gflops = try #require(row["effectiveGflops"] as? Double)
            #expect(abs(perMP - seconds / (Double(size * size * 16) / 1e6)) < 1e-9 * perMP + 1e-12)
            #expect(abs(gflops - 4_436_352 * Double(size * size) / seconds / 1e9) < 1e-6 * gflops)
            #expect((row["peakRSSMegabytes"] as? Double ?? 0) > 0)
        }
    }

    /// The shape of the report, never the speeds: how fast a layer runs depends on the load on
    /// the machine (a row of "0" GFLOP/s has been seen on a busy one), so a rate is only checked
    /// to be a number a person can read.
    @Test("bench conv measures the 3×3 64→64 layer direct and Winograd for every size and thread count")
    func benchConvolution() throws {
        let result = try runCommand(ctl, ["bench", "conv", "--sizes", "16", "32", "--threads", "1", "2", "--runs", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        var lines = result.stdout.split(separator: "\n").map(String.init)
        // Without Winograd (oneDNN 2.6 has it on AVX-512 only) its column says n/a, and a last
        // line says why.
        let noWinograd = lines.last?.hasPrefix("Winograd: n/a") == true
        if noWinograd { lines.removeLast() }
        try #require(lines.count == 6, "a title, a header and one row per size and thread count:\n\(result.stdout)")
        #expect(lines[0] == "3×3 convolution 64→64, batch 1, nChw8c; medians of 1 runs"
                || lines[0] == "3×3 convolution 64→64, batch 1, nChw16c; medians of 1 runs", "\(lines[0])")
        #expect(lines[1].split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                == "size threads direct GFLOP/s Winograd GFLOP/s (effective)", "\(lines[1])")
        let rows = lines.dropFirst(2).map { $0.split(separator: " ").map(String.init) }
        #expect(rows.map { $0.prefix(2).joined(separator: " ") } == ["16² 1", "32² 1", "16² 2", "32² 2"])
        for row in rows {
            #expect(row.count == 4, "size, threads and two rates: \(row)")
            for (column, rate) in row.dropFirst(2).enumerated() {
                if column == 1 && noWinograd {
                    #expect(rate == "n/a", "\(row)")
                    continue
                }
                // Whole GFLOP/s; 0 is a legitimate reading on a loaded machine.
                #expect(Int(rate).map { $0 >= 0 } == true, "\(rate) in \(row) is not a rate")
            }
        }
    }
}
