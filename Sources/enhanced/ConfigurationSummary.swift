import Configuration

/// `enhanced --check-config`: the effective settings, one `key = value` per line.
enum ConfigurationSummary {
    static func render(_ c: DaemonConfiguration, route: ModelRoute) -> String {
        var lines = [
            "# \(c.file ?? "embedded default configuration"): OK",
            "# model \(route.primary.name) loads (sha256 \(route.primary.sha256))",
        ]
        if let degraded = route.degraded {
            lines.append("# degraded model \(degraded.name) loads (sha256 \(degraded.sha256)): inputs with \(route.thresholds.summary)")
        }
        lines += [

            "watch.roots = [\(c.roots.map { "\"\($0)\"" }.joined(separator: ", "))]",
            // Jobs store the root's name: the one fact hosts mounting a share differently share.
            "# roots by name (jobs store the name): " + c.watchRoots.map { "\($0.name) = \($0.path)" }.joined(separator: ", "),
            "watch.settle_delay = \(c.settleDelay)",
            "watch.rescan_interval = \(c.rescanInterval)",
            "output.location = \"\(c.location.rawValue)\"",
            "output.outbox = \"\(c.outbox ?? "")\"",
            "output.name_pattern = \"\(c.naming.pattern)\"",
            "output.format = \"\(c.format.rawValue)\"",
            "output.jpeg_quality = \(c.jpegQuality)",
            "output.background = \"\(c.background)\"",
            "model.path = \"\(c.modelPath)\"",
            "model.inference = \"\(c.inference.rawValue)\"",
            "model.tile = \(c.tile)",
            "model.overlap = \(c.overlap)",
            "model.max_input_pixels = \(c.maxInputPixels)",
            "model.degraded = \"\(c.degradedModelPath ?? "")\"",
            "model.degraded_below_quality = \(c.degradedThresholds.belowQuality)",
            "model.degraded_above_noise = \(c.degradedThresholds.aboveNoise)",
            "model.deblock = \"\(c.deblocking.mode.rawValue)\"",
            "model.deblock_below_quality = \(c.deblocking.belowQuality)",
            "workers.count = \(c.workers)",
            "workers.threads = \(c.threadsPerWorker)",
            "workers.lease = \(c.lease)",
            "workers.shutdown_timeout = \(c.shutdownTimeout)",
            "retry.max_attempts = \(c.maxAttempts)",
            "retry.initial_delay = \(c.initialDelay)",
            "retry.max_delay = \(c.maxDelay)",
            "state.database = \"\(c.database)\"",
            "log.level = \"\(c.logLevel.rawValue)\"",
        ]
        return lines.joined(separator: "\n")
    }
}
