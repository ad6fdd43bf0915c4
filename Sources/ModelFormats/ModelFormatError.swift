import Foundation

/// Everything that can go wrong reading or writing weight files. The message
/// always names the file, because the daemon logs it without further context
/// and the person reading the log has to know which file to replace.
public struct ModelFormatError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    public enum Kind: Sendable, Equatable {
        /// The operating system refused (missing file, permissions, disk full).
        case io
        /// A safetensors file whose structure is broken (truncated, bad header, bad offsets).
        case invalidTensorFile
        /// A well-formed safetensors file holding a dtype other than F32.
        case unsupportedDType
        /// A tensor we were asked to write is inconsistent (values vs shape, reserved name).
        case invalidTensor
        /// libhdf5 could not open the file as HDF5 at all.
        case notHDF5
        /// libhdf5 failed on an HDF5 file (damaged object, unreadable dataset).
        case hdf5
        /// HDF5, but not a Keras 2 weights file, or a Keras network we do not know.
        case unknownLayout
        /// A recognised network whose layers, weights or shapes differ from what we expect.
        case layoutMismatch
    }

    public let kind: Kind
    /// The path exactly as the caller gave it.
    public let file: String
    /// What did not match, without the file name.
    public let detail: String

    public init(_ kind: Kind, file: String, _ detail: String) {
        self.kind = kind
        self.file = file
        self.detail = detail
    }

    public var description: String { "\(file): \(detail)" }
    public var errorDescription: String? { description }
}
