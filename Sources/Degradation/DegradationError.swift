/// Why a degradation spec was refused, said once: the spec as given and the one cause.
public struct DegradationError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(spec: String, _ cause: String) { description = "degradation spec '\(spec)': \(cause)" }
}
