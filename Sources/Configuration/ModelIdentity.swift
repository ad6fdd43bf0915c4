import Foundation

/// Which weights made an output: the file's name and the sha256 of its bytes. `id` goes into
/// each job, so a different model (or the same name with other weights) is different work.
public struct ModelIdentity: Sendable, Equatable {
    public var path: String
    public var sha256: String

    public init(path: String, sha256: String) {
        self.path = path
        self.sha256 = sha256
    }

    /// The file name without its extension, e.g. `srgan-gan`.
    public var name: String { ((path as NSString).lastPathComponent as NSString).deletingPathExtension }

    public var id: String { "\(name)@\(sha256.prefix(16))" }
}
