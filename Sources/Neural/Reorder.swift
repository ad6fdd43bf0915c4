/// Moving a tensor between layouts (or between two strided views of the same data).
import CDNNL

public final class Reorder: @unchecked Sendable {
    let primitive: Primitive

    public init(from source: TensorDesc, to destination: TensorDesc, engine: Engine) throws {
        primitive = try Primitive(reorderFrom: source, to: destination, engine: engine)
    }

    public var implementation: String { primitive.implementation }
    public var scratchpadBytes: Int { primitive.scratchpadBytes }

    public func execute(_ source: Memory, _ destination: Memory, scratchpad: Scratchpad? = nil) throws {
        try primitive.execute([(DNNL_ARG_FROM, source), (DNNL_ARG_TO, destination)],
                              scratchpad: scratchpad)
    }
}
