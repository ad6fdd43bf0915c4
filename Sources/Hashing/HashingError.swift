/// Why a file could not be hashed.
import Foundation

/// A file that could not be opened or read for hashing. The message names the file (it ends up
/// in the daemon's log and in a job's failure reason, where nothing else says which file).
public struct HashingError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The path exactly as the caller gave it.
    public let file: String
    /// What the operating system said, without the file name.
    public let detail: String

    public init(file: String, _ detail: String) {
        self.file = file
        self.detail = detail
    }

    public var description: String { "\(file): \(detail)" }
    public var errorDescription: String? { description }
}
