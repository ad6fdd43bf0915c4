/// Tensor storage: a oneDNN memory object over its own or a borrowed buffer.
import CDNNL

/// One tensor's storage. Either owns a buffer oneDNN allocated (64-byte aligned, freed with the
/// object) or views a buffer owned by someone else — another `Memory` (for strided views) or the
/// caller's array.
public final class Memory: @unchecked Sendable {
    let handle: dnnl_memory_t
    public let desc: TensorDesc
    /// Keeps the owner of a borrowed buffer alive as long as the view.
    private let owner: AnyObject?

    /// Allocates storage for `desc`.
    public init(_ desc: TensorDesc, engine: Engine) throws {
        var d = desc.raw
        var handle: dnnl_memory_t?
        try check(dnnl_memory_create(&handle, &d, engine.engine, cdnnl_memory_allocate()),
                  "allocating \(desc.byteCount) bytes for a tensor \(desc.dims)")
        self.handle = handle!
        self.desc = desc
        self.owner = nil
    }

    /// Views `other`'s buffer, from `offset` floats on, under another descriptor (same bytes,
    /// other index map). Plans carve their activations out of one arena this way.
    public init(view desc: TensorDesc, of other: Memory, offset: Int = 0, engine: Engine) throws {
        precondition(offset * 4 + desc.addressedBytes <= other.desc.byteCount, "view past the end of its buffer")
        var d = desc.raw
        var handle: dnnl_memory_t?
        try check(dnnl_memory_create(&handle, &d, engine.engine, other.data + offset * 4),
                  "creating a view \(desc.dims)")
        self.handle = handle!
        self.desc = desc
        self.owner = other
    }

    /// Wraps a caller-owned buffer; the caller keeps it alive and may swap it with `rebind`.
    public init(_ desc: TensorDesc, engine: Engine, borrowing pointer: UnsafeMutableRawPointer?) throws {
        var d = desc.raw
        var handle: dnnl_memory_t?
        try check(dnnl_memory_create(&handle, &d, engine.engine, pointer ?? cdnnl_memory_none()),
                  "wrapping a buffer as a tensor \(desc.dims)")
        self.handle = handle!
        self.desc = desc
        self.owner = nil
    }

    deinit { dnnl_memory_destroy(handle) }

    public var data: UnsafeMutableRawPointer {
        var pointer: UnsafeMutableRawPointer?
        dnnl_memory_get_data_handle(handle, &pointer)
        return pointer!
    }

    public var floats: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: data.assumingMemoryBound(to: Float.self),
                                   count: desc.byteCount / MemoryLayout<Float>.size)
    }

    /// Points a borrowing memory at another caller-owned buffer (no allocation, no copy).
    public func rebind(_ pointer: UnsafeMutableRawPointer) throws {
        try check(dnnl_memory_set_data_handle(handle, pointer), "rebinding a tensor buffer")
    }
}
