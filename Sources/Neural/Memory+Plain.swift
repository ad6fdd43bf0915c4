/// Copying tensors between plain arrays and memory in whatever layout a primitive chose.
import CDNNL

extension Memory {
    /// Fills this memory from `values`, given in the plain layout `layout` (e.g. `.nchw`).
    public func store(_ values: [Float], from layout: TensorDesc.Layout, engine: Engine) throws {
        let plain = TensorDesc(desc.dims, layout)
        precondition(values.count == plain.elementCount, "expected \(plain.elementCount) values")
        let user = try Memory(plain, engine: engine)
        values.withUnsafeBufferPointer { user.floats.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
        try Reorder(from: plain, to: desc, engine: engine).execute(user, self)
        try engine.wait()
    }

    /// This memory's values in the plain layout `layout`.
    public func load(as layout: TensorDesc.Layout, engine: Engine) throws -> [Float] {
        let plain = TensorDesc(desc.dims, layout)
        let user = try Memory(plain, engine: engine)
        try Reorder(from: desc, to: plain, engine: engine).execute(self, user)
        try engine.wait()
        return Array(user.floats.prefix(plain.elementCount))
    }
}
