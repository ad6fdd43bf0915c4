/// The daemon's configuration: the embedded default, the documented example, and one clear
/// error naming the key for each kind of mistake.
import Foundation
import Testing
import Configuration
import TestSupport
import Upscaling

@Suite("Configuration")
struct ConfigurationTests {
    func parse(_ text: String, cores: Int = 8) throws(ConfigurationError) -> DaemonConfiguration {
        try DaemonConfiguration.parse(text, file: "/etc/enhance/test.toml", baseDirectory: "/etc/enhance",
                                      processorCount: cores)
    }

    func error(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test("the embedded default watches the checkout's var/inbox with the queue under its var/state, from any directory")
    func embeddedDefault() throws {
        let c = try DaemonConfiguration.load(file: nil, processorCount: 2)
        // This test runs from the checkout's .build, as `.build/release/enhanced` does (the
        // binaries from another directory: `OperatorTests`).
        let under = { (relative: String) in ((TestEnvironment.packageRoot.path + "/" + relative) as NSString).standardizingPath }
        #expect(c.roots == [under("var/inbox")])
        #expect(c.database == under("var/state/enhance.sqlite"))
        #expect(c.modelPath == under("var/models") + "/srgan-gan.safetensors")
        #expect(c.naming.pattern == "{name}.x4.{ext}" && c.location == .beside && c.file == nil)
        #expect((c.workers, c.threadsPerWorker) == (1, 2))
    }

    @Test("the daemon runs the network as enhance-ctl upscale does by default: rows, images up to a tile whole")
    func tilingDefaults() throws {
        let c = try DaemonConfiguration.load(file: nil, processorCount: 2)
        #expect(c.tile == TiledUpscaler.defaultTile && c.overlap == TiledUpscaler.defaultOverlap)
        #expect(c.inference == UpscaleOptions().inference && c.inference == .rows)
    }

    @Test("etc/enhance.toml, the commented example, is valid and sets every key to its default")
    func example() throws {
        let path = TestEnvironment.packageRoot.appendingPathComponent("etc/enhance.toml").path
        let c = try DaemonConfiguration.load(file: path, processorCount: 2)
        #expect(c.roots == ["/srv/photos/inbox"])
        #expect(c.database == "/var/lib/enhance/enhance.sqlite")
        #expect(c.settleDelay == 2 && c.rescanInterval == 600 && c.tile == 256 && c.overlap == 48)
        #expect(c.maxAttempts == 4 && c.initialDelay == 30 && c.maxDelay == 3600 && c.logLevel == .info)
        #expect(c.hooks == HookCommands())
        #expect(c.metrics == MetricsSettings())
    }

    @Test("output.format takes tiff and webp; lossless TIFF's jobs do not depend on the quality, WebP's do",
          arguments: [("tiff", false), ("webp", true), ("png", false), ("jpeg", true)])
    func archiveOutputFormats(format: String, qualityMatters: Bool) throws {
        let c = try parse("[watch]\nroots = [\"/in\"]\n[output]\nformat = \"\(format)\"\njpeg_quality = 77")
        #expect(c.format.rawValue == format)
        #expect(c.paramsKey.contains("q=77") == qualityMatters, "\(c.paramsKey)")
    }

    @Test("every key is read, relative paths start at the file's folder")
    func allKeys() throws {
        let c = try parse("""
            [watch]
            roots = ["inbox", "/abs/other"]   # two roots
            settle_delay = 0.5
            rescan_interval = 0
            [output]
            location = "mirror"
            outbox = "../out"
            name_pattern = "{name}-sharp.{ext}"
            format = "jpeg"
            jpeg_quality = 80
            [model]
            path = 'models/m.safetensors'
            inference = "tiles"
            tile = 128
            overlap = 16
            max_input_pixels = 1_000_000
            [workers]
            count = 2
            threads = 3
            lease = 60
            shutdown_timeout = 5
            [retry]
            max_attempts = 2
            initial_delay = 1
            max_delay = 8
            [state]
            database = "state/q.sqlite"
            [log]
            level = "debug"
            """)
        #expect(c.roots == ["/etc/enhance/inbox", "/abs/other"])
        #expect(c.outbox == "/etc/out" && c.location == .mirror && c.format == .jpeg && c.jpegQuality == 80)
        #expect(c.modelPath == "/etc/enhance/models/m.safetensors" && c.tile == 128 && c.overlap == 16)
        #expect(c.inference == .tiles)
        #expect(c.maxInputPixels == 1_000_000 && c.workers == 2 && c.threadsPerWorker == 3)
        #expect(c.lease == 60 && c.shutdownTimeout == 5 && c.maxAttempts == 2 && c.maxDelay == 8)
        #expect(c.database == "/etc/enhance/state/q.sqlite" && c.logLevel == .debug && c.rescanInterval == 0)
        #expect(c.naming.outputName(sourceName: "cat.png", outputExtension: "jpg") == "cat-sharp.jpg")
    }

    @Test("mistakes name the file and the key", arguments: [
        ("[watch]\nroots = []", "test.toml: watch.roots: must name at least one folder"),
        ("[watch]\nroots = [\"a\"]\nsettle_delay = \"soon\"", "watch.settle_delay: expected a number of seconds, got a string"),
        ("[watch]\nroots = [\"a\"]\n[workers]\ncount = 2.5", "workers.count: expected an integer, got a number"),
        ("[watch]\nroots = [\"a\"]\n[workers]\ncount = 1000", "workers.count: must be between 0 and 256, got 1000"),
        ("[watch]\nroots = [\"a\"]\nsettle = 1", "watch.settle: unknown key"),
        ("[watch]\nroots = [\"a\"]\n[output]\nlocation = \"elsewhere\"", "output.location: must be one of \"beside\", \"mirror\""),
        ("[watch]\nroots = [\"a\"]\n[output]\nlocation = \"mirror\"", "output.outbox: is required"),
        ("[watch]\nroots = [\"a\"]\n[output]\nname_pattern = \"{name}.{ext}\"", "output.name_pattern: must put something"),
        ("[watch]\nroots = [\"a\"]\n[output]\nname_pattern = \"x4.{ext}\"", "output.name_pattern: must contain {name}"),
        ("[watch]\nroots = [\"a\"]\n[model]\ntile = 64\noverlap = 40", "model.overlap: must be between 0 and 31"),
        ("[watch]\nroots = [\"a\"]\n[log]\nlevel = \"loud\"", "log.level: must be one of"),
        ("[watch]\nroots = [\"a\"]\n[model]\ninference = \"strips\"", "model.inference: must be one of \"rows\", \"tiles\", got \"strips\""),
        ("[watch]\nroots = [\"a\"\n", "test.toml: line 3: expected , or ] in the array"),
        ("[watch]\nroots = a", "line 2: cannot read the value a (strings need quotes)"),
        ("[watch]\nroots = [\"a\"]\n[watch]", "line 3: table [watch] defined twice"),
    ])
    func mistakes(text: String, expected: String) {
        let message = error(text)
        #expect(message.contains(expected), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test("model.degraded names a second model (a name in model.directory, or a path) with the thresholds that route to it")
    func degradedModel() throws {
        let named = try parse("[watch]\nroots = [\"/in\"]\n[model]\ndirectory = \"/m\"\ndegraded = \"srgan-pre\"")
        #expect(named.degradedModelPath == "/m/srgan-pre.safetensors")
        #expect(named.degradedThresholds == ModelRoute.Thresholds(belowQuality: 60, aboveNoise: 4.0))
        let path = try parse("""
            [watch]
            roots = ["/in"]
            [model]
            degraded = "tuned/realistic.safetensors"
            degraded_below_quality = 75
            degraded_above_noise = 4
            """)
        #expect(path.degradedModelPath == "/etc/enhance/tuned/realistic.safetensors")
        #expect(path.degradedThresholds == ModelRoute.Thresholds(belowQuality: 75, aboveNoise: 4))
        let none = try parse("[watch]\nroots = [\"/in\"]")
        #expect(none.degradedModelPath == nil)
    }

    @Test("a threshold without model.degraded, or of the wrong kind, is one error naming its key", arguments: [
        ("degraded_below_quality = 50", "model.degraded_below_quality: routes to model.degraded, which is not set"),
        ("degraded_above_noise = 2.5", "model.degraded_above_noise: routes to model.degraded, which is not set"),
        ("degraded = \"p\"\ndegraded_below_quality = 0", "model.degraded_below_quality: must be between 1 and 101, got 0"),
        ("degraded = \"p\"\ndegraded_above_noise = \"high\"", "model.degraded_above_noise: expected a noise σ on the 0–255 scale, got a string"),
    ])
    func degradedMistakes(settings: String, expected: String) {
        let message = error("[watch]\nroots = [\"/in\"]\n[model]\n" + settings)
        #expect(message.contains(expected), "\(message)")
    }

    @Test("which model an input gets: the degraded one below the quality or above the noise threshold, else the primary; the route is the job key")
    func routeChoice() {
        let primary = ModelIdentity(path: "/m/srgan-gan.safetensors", sha256: String(repeating: "a", count: 64))
        let degraded = ModelIdentity(path: "/m/tuned.safetensors", sha256: String(repeating: "b", count: 64))
        let route = ModelRoute(primary: primary, degraded: degraded, thresholds: .init(belowQuality: 60, aboveNoise: 3))
        #expect(route.choose(jpegQuality: 30, noiseSigma: 1).model == degraded)
        #expect(route.choose(jpegQuality: 30, noiseSigma: 1).reason == "JPEG quality 30 < 60")
        #expect(route.choose(jpegQuality: 60, noiseSigma: 1).model == primary)
        #expect(route.choose(jpegQuality: nil, noiseSigma: 3.5).reason == "noise σ 3.5 > 3.0")
        #expect(route.choose(jpegQuality: nil, noiseSigma: 3.0).model == primary)
        #expect(route.choose(jpegQuality: nil, noiseSigma: nil).model == primary, "an input that was not measured")
        #expect(ModelRoute(primary: primary).choose(jpegQuality: 10, noiseSigma: 20).model == primary)
        // Without a second model the key is the model's alone, as queues of earlier versions have it.
        #expect(ModelRoute(primary: primary).id == primary.id)
        #expect(route.id != primary.id && route.id.contains(degraded.id))
        var stricter = route
        stricter.thresholds.belowQuality = 70
        #expect(stricter.id != route.id, "another threshold is other work")
    }

    @Test("a missing file is one clear error")
    func missingFile() {
        #expect(throws: ConfigurationError.self) { try DaemonConfiguration.load(file: "/nonexistent/enhance.toml") }
    }

    @Test("default concurrency never oversubscribes the cores",
          arguments: [(1, 1, 1), (2, 1, 2), (4, 1, 4), (8, 2, 4), (16, 4, 4), (6, 1, 6)])
    func concurrency(cores: Int, workers: Int, threads: Int) {
        let chosen = DaemonConfiguration.defaultConcurrency(workers: 0, threads: 0, cores: cores)
        #expect(chosen == (workers, threads))
        #expect(chosen.workers * chosen.threads <= cores)
        #expect(DaemonConfiguration.defaultConcurrency(workers: 2, threads: 0, cores: 8) == (2, 4))
        #expect(DaemonConfiguration.defaultConcurrency(workers: 0, threads: 8, cores: 8) == (1, 8))
    }

    @Test("outputs are named by the pattern, and files of that shape are recognised as ours")
    func naming() throws {
        let naming = try OutputNaming(pattern: "{name}.x4.{ext}")
        #expect(naming.outputName(sourceName: "IMG_0001.JPG", outputExtension: "JPG") == "IMG_0001.x4.JPG")
        #expect(naming.isOutputName("IMG_0001.x4.JPG"))
        #expect(naming.isOutputName("a.b.x4.png"))
        #expect(!naming.isOutputName("IMG_0001.jpg"))
        #expect(!naming.isOutputName(".x4.png"))
        #expect(!naming.isOutputName("a.x4.png.xmp"))
    }

    @Test("TOML strings: escapes, literal strings, quoted keys, comments")
    func strings() throws {
        let table = try TOMLParser.parse("""
            a = "tab\\there \\"q\\" \\u00e9"  # comment
            'b' = 'C:\\raw'
            [t]
            "k.x" = [1, 2,
                     3,]
            """)
        #expect(table["a"] == .string("tab\there \"q\" é"))
        #expect(table["b"] == .string("C:\\raw"))
        #expect(table["t.k.x"] == .array([.integer(1), .integer(2), .integer(3)]))
    }

    @Test("paramsKey changes with what changes the pixels")
    func paramsKey() throws {
        let a = try parse("[watch]\nroots = [\"a\"]")
        let b = try parse("[watch]\nroots = [\"b\"]\nsettle_delay = 9")
        let c = try parse("[watch]\nroots = [\"a\"]\n[model]\ntile = 128")
        #expect(a.paramsKey == b.paramsKey)
        #expect(a.paramsKey != c.paramsKey)
    }
}
