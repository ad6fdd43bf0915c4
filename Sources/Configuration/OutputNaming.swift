import Common
import Foundation

/// How an output is named from its source, e.g. `{name}.x4.{ext}`: `{name}` is the source's
/// name without its extension, `{ext}` the output's extension. The same pattern tells the
/// watcher which files are our own outputs, so it never enhances them again.
public struct OutputNaming: Sendable, Equatable {
    public let pattern: String
    private let prefix: String
    private let middle: String
    private let suffix: String

    /// The extensions an output may have.
    static let imageExtensions = ImageFileTypes.writable

    public init(pattern: String) throws(ConfigurationError) {
        self.pattern = pattern
        let key = "output.name_pattern"
        guard !pattern.contains("/") else { throw ConfigurationError(key: key, message: "must be a file name, without /") }
        guard let name = pattern.range(of: "{name}") else {
            throw ConfigurationError(key: key, message: "must contain {name}")
        }
        guard let ext = pattern.range(of: "{ext}"), ext.lowerBound >= name.upperBound,
              pattern[ext.upperBound...].isEmpty else {
            throw ConfigurationError(key: key, message: "must end with {ext}, after {name}")
        }
        prefix = String(pattern[..<name.lowerBound])
        middle = String(pattern[name.upperBound..<ext.lowerBound])
        suffix = String(pattern[ext.upperBound...])
        guard middle.hasSuffix("."), prefix.count + middle.count > 1 else {
            throw ConfigurationError(key: key, message: "must put something besides \".\" between {name} and .{ext} (e.g. {name}.x4.{ext}), or outputs would take their sources' names")
        }
        guard !prefix.hasPrefix(".") else {
            throw ConfigurationError(key: key, message: "must not make hidden names")
        }
    }

    /// The output's file name for `sourceName` written as `outputExtension`.
    public func outputName(sourceName: String, outputExtension: String) -> String {
        let stem = (sourceName as NSString).deletingPathExtension
        return prefix + stem + middle + outputExtension + suffix
    }

    /// Whether `fileName` has the shape of one of our outputs.
    public func isOutputName(_ fileName: String) -> Bool {
        let lower = fileName.lowercased()
        guard lower.hasPrefix(prefix.lowercased()) else { return false }
        for ext in Self.imageExtensions {
            let tail = (middle + ext + suffix).lowercased()
            if lower.hasSuffix(tail) && lower.count > prefix.count + tail.count { return true }
        }
        return false
    }
}
