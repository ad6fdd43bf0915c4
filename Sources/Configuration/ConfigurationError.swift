/// A configuration that cannot be used, as one line naming the file, the key and the problem.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The dotted key at fault ("workers.count"), when the problem is one key's.
    public var key: String?
    public var message: String
    /// The file it came from; nil for the embedded default.
    public var file: String?

    public init(key: String?, message: String, file: String? = nil) {
        self.key = key
        self.message = message
        self.file = file
    }

    public var description: String {
        let source = file ?? "embedded default configuration"
        if let key { return "\(source): \(key): \(message)" }
        return "\(source): \(message)"
    }
}
