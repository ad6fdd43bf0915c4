/// `enhance-ctl bench archive`: its generated set and its report, through the real binary.
/// Never its speeds: those depend on the load on the machine.
import Foundation
import Hashing
import Imaging
import Testing
import TestSupport

@Suite("enhance-ctl bench archive")
struct ArchiveBenchTests {
    let ctl = try! TestEnvironment.binary("enhance-ctl")

    /// Name → sha256 of every file in `directory`.
    func digests(_ directory: URL) throws -> [String: String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        return try Dictionary(uniqueKeysWithValues: names.map { name in
            (name, try SHA256.hexDigest(ofFile: directory.appendingPathComponent(name).path))
        })
    }

    @Test("the same seed writes the same photos byte for byte; another seed writes others")
    func setIsDeterministic() throws {
        let directory = try TestEnvironment.temporaryDirectory("archive-set")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (a, b, c) = (directory.appendingPathComponent("a"), directory.appendingPathComponent("b"),
                         directory.appendingPathComponent("c"))
        for (folder, seed) in [(a, "7"), (b, "7"), (c, "8")] {
            let result = try runCommand(ctl, ["bench", "archive", "--write-set", folder.path, "--seed", seed,
                                              "--count", "8", "--max-megapixels", "0.2"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let first = try digests(a)
        #expect(first.count == 8)
        #expect(try digests(b) == first)
        #expect(try digests(c) != first)
    }

    @Test("the set mixes JPEG and PNG, portrait and landscape, 16-bit and RGBA, from 0.03 MP to the cap")
    func setIsMixed() throws {
        let directory = try TestEnvironment.temporaryDirectory("archive-set")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try runCommand(ctl, ["bench", "archive", "--write-set", directory.path, "--count", "24",
                                          "--max-megapixels", "0.3"])
        #expect(result.status == 0, "\(result.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names.count == 24)
        var kinds = Set<String>(), portrait = 0, landscape = 0, megapixels: [Double] = []
        for name in names {
            let url = directory.appendingPathComponent(name)
            let info = try ImageReader(path: url.path).info
            if info.width < info.height { portrait += 1 } else { landscape += 1 }
            megapixels.append(Double(info.pixelCount) / 1e6)
            kinds.insert(url.pathExtension)
            if info.bitDepth == 16 { kinds.insert("16-bit") }
            if info.hasAlpha { kinds.insert("RGBA") }
        }
        #expect(kinds.isSuperset(of: ["jpg", "png", "16-bit", "RGBA"]), "\(kinds)")
        #expect(portrait > 0 && landscape > 0)
        #expect(megapixels.min()! >= 0.025 && megapixels.min()! < 0.04)
        #expect(megapixels.max()! <= 0.32 && megapixels.max()! > 0.2)
    }

    @Test("--json reports every photo, size classes, stage shares summing to 1, plan hits and misses, the tile geometry it ran and the ratio to bench speed")
    func reportShape() throws {
        // Tiles (rows are the default) of 128 (overlap 24): every photo of the set (at least 0.03 MP, 200×150) takes
        // several tiles, which only the asked geometry gives (at the default 256 each is one).
        let result = try runCommand(ctl, ["bench", "archive", "--json", "--count", "3", "--max-megapixels", "0.04",
                                          "--speed-runs", "1", "--threads", "2", "--inference", "tiles", "--tile", "128", "--overlap", "24"],
                                    environment: ["ENHANCE_MODEL_DIR": TestEnvironment.modelDirectory])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let photos = try #require(report["photos"] as? [[String: Any]])
        #expect(photos.count == 3)
        var megapixels = 0.0
        for photo in photos {
            let (width, height) = (try #require(photo["width"] as? Int), try #require(photo["height"] as? Int))
            let output = try #require(photo["outputMegapixels"] as? Double)
            #expect(abs(output - Double(width * height * 16) / 1e6) < 1e-9)
            megapixels += output
            #expect(photo["sizeClass"] as? String == "< 0.25 MP")
        }
        let classes = try #require(report["sizeClasses"] as? [[String: Any]])
        #expect(classes.count == 1 && classes.first?["photos"] as? Int == 3)
        let shares = try #require(report["stageShares"] as? [String: Double])
        #expect(Set(shares.keys) == ["queue", "hashing", "estimate", "decode", "planCreation", "network",
                                     "blending", "encode", "fsync", "other"])
        #expect(abs(shares.values.reduce(0, +) - 1) < 1e-6, "\(shares)")
        #expect(shares["network"]! > 0 && shares["encode"]! > 0 && shares["hashing"]! > 0 && shares["fsync"]! > 0)
        let (hits, misses) = (try #require(report["planHits"] as? Int), try #require(report["planMisses"] as? Int))
        #expect(misses >= 1 && hits + misses >= 3 * 4, "every photo runs at least 2×2 tiles of 128")
        #expect(report["threads"] as? Int == 2)
        #expect(report["inference"] as? String == "tiles" && report["tile"] as? Int == 128 && report["overlap"] as? Int == 24)
        #expect((report["speedBeforeAndAfter"] as? [Double])?.count == 2, "bench speed before and after the archive")
        #expect((report["loadAverage"] as? [Double])?.count == 2)
        let total = try #require(report["totalSeconds"] as? Double)
        let perMP = try #require(report["secondsPerOutputMegapixel"] as? Double)
        let speed = try #require(report["speedSecondsPerOutputMegapixel"] as? Double)
        #expect(abs((report["outputMegapixels"] as? Double ?? 0) - megapixels) < 1e-9)
        #expect(abs(perMP - total / megapixels) < 1e-9 * perMP)
        #expect(abs((report["ratioToSpeed"] as? Double ?? 0) - perMP / speed) < 1e-9 * perMP / speed)
    }
}
