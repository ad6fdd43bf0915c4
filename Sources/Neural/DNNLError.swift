/// Neural: the Swift face of oneDNN 2.6 (the only module that imports CDNNL).
///
/// Every oneDNN status code becomes a typed `DNNLError` naming the operation that failed, so a
/// missing implementation or a shape mistake reads as a sentence rather than a crash.
import CDNNL

public struct DNNLError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let status: String

    public var description: String { "oneDNN: \(operation) failed (\(status))" }

    /// True when oneDNN has no implementation for the requested combination (e.g. Winograd on a
    /// layout it does not support); callers use it to fall back to another algorithm.
    public var isUnimplemented: Bool { status == "unimplemented" }
}

@inline(__always)
func check(_ status: dnnl_status_t, _ operation: @autoclosure () -> String) throws {
    guard status != dnnl_success else { return }
    throw DNNLError(operation: operation(), status: describe(status))
}

private func describe(_ status: dnnl_status_t) -> String {
    switch status {
    case dnnl_out_of_memory: return "out of memory"
    case dnnl_invalid_arguments: return "invalid arguments"
    case dnnl_unimplemented: return "unimplemented"
    case dnnl_iterator_ends: return "iterator ends"
    case dnnl_runtime_error: return "runtime error"
    case dnnl_not_required: return "not required"
    default: return "status \(status.rawValue)"
    }
}
