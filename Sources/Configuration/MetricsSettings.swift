/// `[metrics]`: Prometheus text exposition written to a node_exporter textfile directory. A file,
/// not a listening socket: the unit runs with PrivateNetwork=yes and IPAddressDeny=any, so a
/// port inside the daemon's own network namespace could not be scraped from the host without
/// widening the sandbox, while node_exporter's textfile collector reads a file it can see.
public struct MetricsSettings: Sendable, Equatable {
    /// The folder node_exporter's `--collector.textfile.directory` reads; nil: no metrics.
    public var textfileDirectory: String?
    /// Seconds between writes (and at stop, once more, with `enhance_up 0`).
    public var interval: Double = 15

    public init() {}

    /// The file written in `textfileDirectory`: node_exporter reads `*.prom`, and skips the
    /// temporaries (`.enh-….tmp`) it is written through.
    public static let fileName = "enhanced.prom"

    public var textfilePath: String? {
        textfileDirectory.map { ($0.hasSuffix("/") ? $0 : $0 + "/") + Self.fileName }
    }
}
