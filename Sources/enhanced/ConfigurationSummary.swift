import Configuration

/// `enhanced --check-config`: the effective settings, one `key = value` per line.
enum ConfigurationSummary {
    static func render(_ c: DaemonConfiguration, model: ModelIdentity) -> String {
        [
            "# \(c.file ?? "embedded default configuration"): OK",
            "# model \(model.name) loads (sha256 \(model.sha256))",
            "watch.roots = [\(c.roots.map { "\"\($0)\"" }.joined(separator: ", "))]",
            "watch.settle_delay = \(c.settleDelay)",
            "watch.rescan_interval = \(c.rescanInterval)",
            "output.location = \"\(c.location.rawValue)\"",
            "output.outbox = \"\(c.outbox ?? "")\"",
            "output.name_pattern = \"\(c.naming.pattern)\"",
            "output.format = \"\(c.format.rawValue)\"",
            "output.jpeg_quality = \(c.jpegQuality)",
            "output.background = \"\(c.background)\"",
            "model.path = \"\(c.modelPath)\"",
            "model.tile = \(c.tile)",
            "model.overlap = \(c.overlap)",
            "model.max_input_pixels = \(c.maxInputPixels)",
            "workers.count = \(c.workers)",
            "workers.threads = \(c.threadsPerWorker)",
            "workers.lease = \(c.lease)",
            "workers.shutdown_timeout = \(c.shutdownTimeout)",
            "retry.max_attempts = \(c.maxAttempts)",
            "retry.initial_delay = \(c.initialDelay)",
            "retry.max_delay = \(c.maxDelay)",
            "state.database = \"\(c.database)\"",
            "log.level = \"\(c.logLevel.rawValue)\"",
        ].joined(separator: "\n")
    }
}
