import Common
import Foundation

extension DaemonConfiguration {
    /// Used when no `--config` is given and no installed configuration exists: everything under
    /// `var/` of the checkout the binary was built in (else of the working directory), so a
    /// newcomer can run the daemon from the repository and drop photos into `var/inbox`.
    public static let embeddedDefault = """
        # enhance's embedded default configuration (paths relative to the checkout).
        [watch]
        roots = ["var/inbox"]

        [model]
        name = "srgan-gan"

        [state]
        database = "var/state/enhance.sqlite"
        """

    /// What `scripts/install` writes, and so what an installed binary reads without `--config`.
    public static let installedFile = "/etc/enhance/enhance.toml"

    /// Where the embedded default's relative paths start: the checkout the running binary was
    /// built in, so `.build/release/enhanced` means the same `var/` from any directory; for a
    /// binary outside a checkout, the working directory (as before).
    public static var embeddedBaseDirectory: String { Checkout.root ?? FileManager.default.currentDirectoryPath }

    /// The file to read when none is given: none (the embedded default) for a binary in a
    /// checkout; for an installed one, the installed configuration when there is one — then
    /// `enhance-ctl status` after `scripts/install` looks at the service's queue.
    public static var defaultFile: String? {
        if Checkout.root == nil, FileManager.default.fileExists(atPath: installedFile) { return installedFile }
        return nil
    }

    /// Reads `file`, else `defaultFile`, else the embedded default.
    public static func load(file: String?, processorCount: Int = ProcessInfo.processInfo.activeProcessorCount)
        throws(ConfigurationError) -> DaemonConfiguration {
        guard let file = file ?? defaultFile else {
            return try parse(embeddedDefault, file: nil, baseDirectory: embeddedBaseDirectory,
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
            let roots = try readRoots(&r)
            let naming = try OutputNaming(pattern: try r.string("output.name_pattern") ?? "{name}.x4.{ext}")
            let modelDirectory = try r.path("model.directory") ?? absolutePath("var/models", base: baseDirectory)
            var config = DaemonConfiguration(
                watchRoots: roots, naming: naming,
                modelPath: try modelPath(&r, directory: modelDirectory),
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
            if let scale = try r.number("output.scale", min: 0) {
                guard OutputSize.isValidScale(scale) else {
                    throw ConfigurationError(key: "output.scale", message: "must be above 1 and at most \(OutputSize.networkScale), got \(scale)")
                }
                config.outputSize.scale = scale
            }
            config.outputSize.maxSide = try r.integer("output.max_side", in: 2...1_000_000)
            config.outputSize.maxPixels = try r.integer("output.max_pixels", in: 4...Int(Int32.max) * 64)
            if let text = try r.string("output.background") {
                guard let color = BackgroundColor(parsing: text) else {
                    throw ConfigurationError(key: "output.background", message: "must be \(BackgroundColor.accepted), got \"\(text)\"")
                }
                config.background = color
            }
            config.inference = try r.choice("model.inference") ?? config.inference
            config.tile = try r.integer("model.tile", in: Defaults.tileRange) ?? config.tile
            config.overlap = try r.integer("model.overlap", in: Defaults.overlapRange(tile: config.tile)) ?? config.overlap
            config.maxInputPixels = try r.integer("model.max_input_pixels", in: 1...Int(Int32.max)) ?? config.maxInputPixels
            try readRouting(&config, &r, directory: modelDirectory)
            config.deblocking.mode = try r.choice("model.deblock") ?? config.deblocking.mode
            config.deblocking.belowQuality = try r.integer("model.deblock_below_quality", in: 1...101)
                ?? config.deblocking.belowQuality
            let workers = try r.integer("workers.count", in: 0...256) ?? 0
            let threads = try r.integer("workers.threads", in: 0...256) ?? 0
            (config.workers, config.threadsPerWorker) = defaultConcurrency(workers: workers, threads: threads,
                                                                           cores: processorCount)
            config.lease = try r.number("workers.lease", min: 1) ?? config.lease
            config.shutdownTimeout = try r.number("workers.shutdown_timeout", min: 0) ?? config.shutdownTimeout
            config.maxAttempts = try r.integer("retry.max_attempts", in: 1...100) ?? config.maxAttempts
            config.initialDelay = try r.number("retry.initial_delay", min: 0) ?? config.initialDelay
            config.maxDelay = try r.number("retry.max_delay", min: config.initialDelay) ?? max(config.maxDelay, config.initialDelay)
            try readState(&r, into: &config)
            config.logLevel = try r.choice("log.level") ?? config.logLevel
            config.hooks.onDone = try r.command("hooks.on_done") ?? []
            config.hooks.onFailed = try r.command("hooks.on_failed") ?? []
            config.hooks.timeout = try r.number("hooks.timeout", min: 0.1) ?? config.hooks.timeout
            config.metrics.textfileDirectory = try r.path("metrics.textfile_dir")
            config.metrics.interval = try r.number("metrics.interval", min: 0.1) ?? config.metrics.interval
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

    /// `[watch] roots = [...]`, each named after its folder's last component (what two hosts
    /// mounting one share at different places agree on), then the `[[watch.root]]` tables with
    /// their own names. Both forms may be used together; the names must be unique, since a job
    /// stores its root's name, and two roots of one name would leave a worker guessing.
    static func readRoots(_ r: inout KeyReader) throws(ConfigurationError) -> [WatchRoot] {
        var roots = (try r.paths("watch.roots") ?? []).map {
            (root: WatchRoot(name: WatchRoot.defaultName(forPath: $0), path: $0), key: "watch.roots")
        }
        for (index, var table) in (try r.tables("watch.root") ?? []).enumerated() {
            let key = "watch.root[\(index + 1)]"
            guard let path = try table.path(key + ".path") else {
                throw ConfigurationError(key: key, message: "needs path = \"/the/folder\"")
            }
            let name = try table.string(key + ".name") ?? WatchRoot.defaultName(forPath: path)
            guard !name.contains("/") else {
                throw ConfigurationError(key: key + ".name", message: "is a name, not a path: it must not contain \"/\", got \"\(name)\"")
            }
            if let unknown = table.unusedKeys.first {
                throw ConfigurationError(key: unknown, message: "unknown key (a [[watch.root]] has name and path)")
            }
            roots.append((WatchRoot(name: name, path: path), key + ".name"))
        }
        guard !roots.isEmpty else {
            throw ConfigurationError(key: "watch.roots", message: "must name at least one folder (or give [[watch.root]] tables)")
        }
        for (index, entry) in roots.enumerated() {
            if let earlier = roots[..<index].first(where: { $0.root.name == entry.root.name }) {
                throw ConfigurationError(key: entry.key, message: "two roots are named \"\(entry.root.name)\": \(earlier.root.path) and \(entry.root.path) (a root of roots = [...] is named after its folder; give one a [[watch.root]] with its own name)")
            }
        }
        return roots.map(\.root)
    }

    /// `model.path`, or `model.name` looked up in `model.directory` (default `var/models`);
    /// one of the two, since a file that gives both would leave a reader guessing which wins.
    static func modelPath(_ r: inout KeyReader, directory: String) throws(ConfigurationError) -> String {
        let path = try r.path("model.path")
        let name = try r.string("model.name")
        switch (path, name) {
        case (let path?, nil): return path
        case (nil, let name?):
            guard ModelName.isName(name) else {
                throw ConfigurationError(key: "model.name", message: "must be a model's name, e.g. \"srgan-pre\" (a file goes in model.path), got \"\(name)\"")
            }
            return ModelName.file(name, in: directory)
        case (nil, nil): return ModelName.file(ModelName.defaultName, in: directory)
        case (_?, _?): throw ConfigurationError(key: "model.name", message: "give model.name or model.path, not both")
        }
    }

    /// `model.degraded` (a name in `model.directory`, or a path: the same rule as `--model`)
    /// and the thresholds that send an input to it. A threshold without the model would route
    /// nowhere, which is a mistake worth saying.
    static func readRouting(_ config: inout DaemonConfiguration, _ r: inout KeyReader,
                            directory: String) throws(ConfigurationError) {
        if let degraded = try r.string("model.degraded") {
            config.degradedModelPath = ModelName.isName(degraded)
                ? ModelName.file(degraded, in: directory)
                : try r.path("model.degraded")
        }
        let quality = try r.integer("model.degraded_below_quality", in: 1...101)
        let noise = try r.number("model.degraded_above_noise", min: 0, "a noise σ on the 0–255 scale")
        if config.degradedModelPath == nil, quality != nil || noise != nil {
            throw ConfigurationError(key: quality != nil ? "model.degraded_below_quality" : "model.degraded_above_noise",
                                     message: "routes to model.degraded, which is not set")
        }
        config.degradedThresholds.belowQuality = quality ?? config.degradedThresholds.belowQuality
        config.degradedThresholds.aboveNoise = noise ?? config.degradedThresholds.aboveNoise
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
            // Only a JPEG of a translucent photo shows it; the default adds nothing, so the
            // queues of earlier versions keep their keys.
            + (format == .png || background == .white ? "" : " background=\(background)")
            // Likewise the size: only a resampled output's key says how.
            + (outputSize == OutputSize() ? "" : " size=\(outputSize.key)")
            + deblocking.key
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

    /// An array of tables (`[[key]]`), each read by a reader of its own whose keys are
    /// `key[n].name` (n from 1), so that errors say which table is at fault.
    mutating func tables(_ key: String) throws(ConfigurationError) -> [KeyReader]? {
        guard let v = value(key) else { return nil }
        guard case .tables(let tables) = v else { throw wrong(key, "[[\(key)]] tables", v) }
        return tables.enumerated().map { index, table in
            KeyReader(Dictionary(uniqueKeysWithValues: table.map { ("\(key)[\(index + 1)].\($0.key)", $0.value) }),
                      base: base)
        }
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

    /// A program and its arguments, run without a shell: a non-empty array of strings whose first
    /// is an absolute path (a hook's search path would be whatever the service manager gave),
    /// with only known `{placeholders}`. An empty array means none.
    mutating func command(_ key: String) throws(ConfigurationError) -> [String]? {
        guard let v = value(key) else { return nil }
        guard case .array(let items) = v else { throw wrong(key, "an array: the program, then its arguments", v) }
        var argv: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw wrong(key, "strings", item) }
            argv.append(s)
        }
        guard let program = argv.first else { return [] }
        guard program.hasPrefix("/") else {
            throw ConfigurationError(key: key, message: "the program must be an absolute path, got \"\(program)\"")
        }
        if let unknown = argv.dropFirst().lazy.flatMap(HookCommands.unknownPlaceholders).first {
            let known = HookCommands.placeholders.map { "{\($0.name)}" }.joined(separator: ", ")
            throw ConfigurationError(key: key, message: "unknown placeholder {\(unknown)} (known: \(known))")
        }
        return argv
    }

    mutating func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let v = value(key) else { return nil }
        guard case .integer(let i) = v else { throw wrong(key, "an integer", v) }
        guard range.contains(i) else {
            throw ConfigurationError(key: key, message: "must be between \(range.lowerBound) and \(range.upperBound), got \(i)")
        }
        return i
    }

    mutating func number(_ key: String, min: Double, _ what: String = "a number of seconds") throws(ConfigurationError) -> Double? {
        guard let v = value(key) else { return nil }
        let d: Double
        switch v {
        case .integer(let i): d = Double(i)
        case .float(let f): d = f
        default: throw wrong(key, what, v)
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
