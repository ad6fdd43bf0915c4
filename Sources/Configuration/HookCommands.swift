/// `[hooks]`: programs the daemon runs when a job ends, e.g. to ask a photo manager (Immich,
/// digiKam) to look at a new file. Each is an argument vector run without a shell — the
/// program's absolute path first — with `{placeholder}`s in its arguments replaced by the job's
/// values and the same values in `ENHANCE_*` environment variables.
public struct HookCommands: Sendable, Equatable {
    /// After a job is done (its output and sidecar are in place). Empty: none.
    public var onDone: [String] = []
    /// When a job has failed for good (not after an attempt that will be retried). Empty: none.
    public var onFailed: [String] = []
    /// Seconds a hook may run before it is stopped (SIGTERM, then SIGKILL).
    public var timeout: Double = 30

    public init() {}

    /// What `{name}` in an argument stands for, and the environment variable with the same value.
    public static let placeholders: [(name: String, variable: String)] = [
        ("job", "ENHANCE_JOB_ID"), ("source", "ENHANCE_SOURCE"), ("output", "ENHANCE_OUTPUT"),
        ("sidecar", "ENHANCE_SIDECAR"), ("state", "ENHANCE_STATE"), ("reason", "ENHANCE_REASON"),
    ]

    /// The `{…}` names in `argument` that are not placeholders (a typo the loader reports).
    public static func unknownPlaceholders(in argument: String) -> [String] {
        argument.matches(of: #/\{([^{}]*)\}/#).map { String($0.1) }
            .filter { name in !placeholders.contains { $0.name == name } }
    }
}
