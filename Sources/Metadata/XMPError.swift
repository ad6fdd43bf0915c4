/// Why an XMP packet could not be read: the cause only (the caller names the file).
public struct XMPError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
