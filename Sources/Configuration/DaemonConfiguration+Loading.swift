import Common
import Foundation

extension DaemonConfiguration {
    /// Used when no `--config` is given: everything under `./var` of the working directory, so a
    /// newcomer can run the daemon from the repository and drop photos into `var/inbox`.
    public static let embeddedDefault = """
        # enhance's embedded default configuration (paths relative to the working directory).
        [watch]
        roots = ["var/inbox"]

        [model]
        path = "var/models/srgan-gan.safetensors"

        [state]
        database = "var/state/enhance.sqlite"
        """

    /// Reads `file`, or the embedded default when nil.
    public static func load(file: String?, processorCount: Int = ProcessInfo.processInfo.activeProcessorCount)
        throws(ConfigurationError) -> DaemonConfiguration {
        guard let file else {
            return try parse(embeddedDefault, file: nil, baseDirectory: FileManager.default.currentDirectoryPath,
                             processorCount: processorCount)
        }
        let absolute = absolutePath(file, base: FileManager.default.currentDirectoryPath)
        let text: String
        do {
            text = try String(contentsOfFile: absolute, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: absolute) ? "cannot be read as UTF-8 text" : "no such file"
            throw ConfigurationError(key: nil, message: reason, file: file)
        }
        return try parse(text, file: file, baseDirectory: (absolute as NSString).deletingLastPathComponent,
                         processorCount: processorCount)
    }

    /// Parses and validates configuration text; relative paths are resolved against `baseDirectory`.
    public static func parse(_ text: String, file: String?, baseDirectory: String,
                             processorCount: Int = ProcessInfo.processInfo.activeProcessorCount)
        throws(ConfigurationError) -> DaemonConfiguration {
        do throws(ConfigurationError) {
            var r = KeyReader(try TOMLParser.parse(text), base: baseDirectory)
            let roots = try r.paths("watch.roots") ?? []
            guard !roots.isEmpty else { throw ConfigurationError(key: "watch.roots", message: "must name at least one folder") }
            let naming = try OutputNaming(pattern: try r.string("output.name_pattern") ?? "{name}.x4.{ext}")
            var config = DaemonConfiguration(
                roots: roots, naming: naming,
                modelPath: try r.path("model.path") ?? absolutePath("var/models/srgan-gan.safetensors", base: baseDirectory),
                workers: 1, threadsPerWorker: 1,
                database: try r.path("state.database") ?? absolutePath("var/state/enhance.sqlite", base: baseDirectory),
                file: file)
            config.settleDelay = try r.number("watch.settle_delay", min: 0) ?? config.settleDelay
            config.rescanInterval = try r.number("watch.rescan_interval", min: 0) ?? config.rescanInterval
            config.location = try r.choice("output.location") ?? config.location
            config.outbox = try r.path("output.outbox")
            if config.location == .mirror && config.outbox == nil {
                throw ConfigurationError(key: "output.outbox", message: "is required when output.location = \"mirror\"")
            }
            config.format = try r.choice("output.format") ?? config.format
            config.jpegQuality = try r.integer("output.jpeg_quality", in: 1...100) ?? config.jpegQuality
            config.tile = try r.integer("model.tile", in: Defaults.tileRange) ?? config.tile
            config.overlap = try r.integer("model.overlap", in: Defaults.overlapRange(tile: config.tile)) ?? config.overlap
            config.maxInputPixels = try r.integer("model.max_input_pixels", in: 1...Int(Int32.max)) ?? config.maxInputPixels
            let workers = try r.integer("workers.count", in: 0...256) ?? 0
            let threads = try r.integer("workers.threads", in: 0...256) ?? 0
            (config.workers, config.threadsPerWorker) = defaultConcurrency(workers: workers, threads: threads,
                                                                           cores: processorCount)
            config.lease = try r.number("workers.lease", min: 1) ?? config.lease
            config.shutdownTimeout = try r.number("workers.shutdown_timeout", min: 0) ?? config.shutdownTimeout
            config.maxAttempts = try r.integer("retry.max_attempts", in: 1...100) ?? config.maxAttempts
            config.initialDelay = try r.number("retry.initial_delay", min: 0) ?? config.initialDelay
            config.maxDelay = try r.number("retry.max_delay", min: config.initialDelay) ?? max(config.maxDelay, config.initialDelay)
            config.logLevel = try r.choice("log.level") ?? config.logLevel
            if let unknown = r.unusedKeys.first {
                throw ConfigurationError(key: unknown, message: "unknown key (a typo?)")
            }
            return config
        } catch {
            var error = error
            error.file = file
            throw error
        }
    }

    /// Workers × threads fill the cores without oversubscribing them: by default one worker per
    /// four cores (a worker's oneDNN threads scale well up to about four), the cores shared out.
    public static func defaultConcurrency(workers: Int, threads: Int, cores: Int) -> (workers: Int, threads: Int) {
        let cores = max(1, cores)
        switch (workers, threads) {
        case (0, 0):
            let w = max(1, cores / 4)
            return (w, max(1, cores / w))
        case (0, let t): return (max(1, cores / t), t)
        case (let w, 0): return (w, max(1, cores / w))
        default: return (workers, threads)
        }
    }

    static func absolutePath(_ path: String, base: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let joined = expanded.hasPrefix("/") ? expanded : (base as NSString).appendingPathComponent(expanded)
        return (joined as NSString).standardizingPath
    }

    /// Model and parameters that change the pixels of an output: jobs with different keys are
    /// different work, the same key is done once per content.
    public var paramsKey: String {
        "x4 tile=\(tile) overlap=\(overlap) format=\(format.rawValue)" + (format == .png || format == .tiff ? "" : " q=\(jpegQuality)")
    }
}

/// Reads typed values by dotted key, remembering which keys were used so unknown ones can be
/// reported.
struct KeyReader {
    private let table: [String: TOMLValue]
    private let base: String
    private var used: Set<String> = []

    init(_ table: [String: TOMLValue], base: String) {
        self.table = table
        self.base = base
    }

    var unusedKeys: [String] { table.keys.filter { !used.contains($0) }.sorted() }

    private mutating func value(_ key: String) -> TOMLValue? {
        used.insert(key)
        return table[key]
    }

    private func wrong(_ key: String, _ expected: String, _ value: TOMLValue) -> ConfigurationError {
        ConfigurationError(key: key, message: "expected \(expected), got \(value.kindName) (\(value))")
    }

    mutating func string(_ key: String) throws(ConfigurationError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw wrong(key, "a string", v) }
        guard !s.isEmpty else { throw ConfigurationError(key: key, message: "must not be empty") }
        return s
    }

    mutating func path(_ key: String) throws(ConfigurationError) -> String? {
        try string(key).map { DaemonConfiguration.absolutePath($0, base: base) }
    }

    mutating func paths(_ key: String) throws(ConfigurationError) -> [String]? {
        guard let v = value(key) else { return nil }
        let items: [TOMLValue]
        switch v {
        case .array(let a): items = a
        case .string: items = [v]
        default: throw wrong(key, "an array of folder paths", v)
        }
        var result: [String] = []
        for item in items {
            guard case .string(let s) = item, !s.isEmpty else { throw wrong(key, "folder paths as strings", item) }
            result.append(DaemonConfiguration.absolutePath(s, base: base))
        }
        return result
    }

    mutating func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let v = value(key) else { return nil }
        guard case .integer(let i) = v else { throw wrong(key, "an integer", v) }
        guard range.contains(i) else {
            throw ConfigurationError(key: key, message: "must be between \(range.lowerBound) and \(range.upperBound), got \(i)")
        }
        return i
    }

    mutating func number(_ key: String, min: Double) throws(ConfigurationError) -> Double? {
        guard let v = value(key) else { return nil }
        let d: Double
        switch v {
        case .integer(let i): d = Double(i)
        case .float(let f): d = f
        default: throw wrong(key, "a number of seconds", v)
        }
        guard d >= min, d.isFinite else { throw ConfigurationError(key: key, message: "must be at least \(min), got \(v)") }
        return d
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String) throws(ConfigurationError) -> T?
        where T.RawValue == String {
        guard let s = try string(key) else { return nil }
        guard let c = T(rawValue: s) else {
            let options = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw ConfigurationError(key: key, message: "must be one of \(options), got \"\(s)\"")
        }
        return c
    }
}
