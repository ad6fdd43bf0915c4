/// A trainable tensor: its value and its gradient, in the layout the layer's primitives chose.
import CDNNL

/// One learnable tensor of a layer.
///
/// `value` and `gradient` share one descriptor (the layer makes sure of it), so an optimizer can
/// update element by element over the raw buffers without knowing the layout. Blocked layouts pad
/// channels with zeros; oneDNN writes zero gradients there, so padding stays zero under Adam.
/// `plainLayout` is how weight files store the tensor (HWIO kernels, `x` vectors); `load`/`store`
/// convert.
public final class Parameter: @unchecked Sendable {
    public let name: String
    public let value: Memory
    public let gradient: Memory
    public let plainLayout: TensorDesc.Layout

    public init(name: String, desc: TensorDesc, plainLayout: TensorDesc.Layout, engine: Engine) throws {
        self.name = name
        self.plainLayout = plainLayout
        value = try Memory(desc, engine: engine)
        gradient = try Memory(desc, engine: engine)
        value.floats.update(repeating: 0)
        gradient.floats.update(repeating: 0)
    }

    public var desc: TensorDesc { value.desc }
    /// Logical element count (without layout padding).
    public var elementCount: Int { desc.elementCount }

    /// The value in the weight files' plain layout.
    public func load(engine: Engine) throws -> [Float] { try value.load(as: plainLayout, engine: engine) }

    /// Sets the value from the weight files' plain layout.
    public func store(_ values: [Float], engine: Engine) throws {
        try value.store(values, from: plainLayout, engine: engine)
    }

    /// The gradient in the plain layout (tests and diagnostics).
    public func loadGradient(engine: Engine) throws -> [Float] { try gradient.load(as: plainLayout, engine: engine) }

    public func zeroGradient() { gradient.floats.update(repeating: 0) }
}

extension Memory {
    /// `self += other`, element by element over the raw buffers (same descriptor required).
    /// Gradients of a parameter used twice in one step (the discriminator sees real and generated
    /// batches) add up this way.
    public func add(_ other: Memory) {
        precondition(desc == other.desc, "adding tensors of different layouts")
        let a = floats, b = other.floats
        for i in 0..<a.count { a[i] += b[i] }
    }

    public func fill(_ value: Float) { floats.update(repeating: value) }
}
