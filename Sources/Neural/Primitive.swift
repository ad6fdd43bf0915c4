/// A created oneDNN primitive with its descriptor: what it chose, what it runs, how to run it.
import CDNNL

/// Owns a primitive descriptor and the primitive made from it.
///
/// All primitives here use a caller-provided scratchpad (`dnnl_scratchpad_mode_user`): a network
/// plan sizes one buffer for the largest need and every layer borrows it, instead of each
/// primitive holding its own (Winograd's transform buffers are large).
final class Primitive: @unchecked Sendable {
    let descriptor: dnnl_primitive_desc_t
    let primitive: dnnl_primitive_t
    let engine: Engine

    /// Creates the first implementation oneDNN offers for `opDesc` (its best, by its own ranking).
    /// Backward primitives pass their forward primitive as `hint`, so both agree on layouts.
    convenience init(opDesc: UnsafeRawPointer, postOps: [PostOp] = [], hint: Primitive? = nil,
                     engine: Engine, what: String) throws {
        engine.pinThreads()
        var attr: dnnl_primitive_attr_t?
        try check(dnnl_primitive_attr_create(&attr), "creating attributes for \(what)")
        defer { dnnl_primitive_attr_destroy(attr) }
        try check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user),
                  "asking for a user scratchpad for \(what)")
        if !postOps.isEmpty {
            var ops: dnnl_post_ops_t?
            try check(dnnl_post_ops_create(&ops), "creating post-ops for \(what)")
            defer { dnnl_post_ops_destroy(ops) }
            for op in postOps { try op.append(to: ops!, what: what) }
            try check(dnnl_primitive_attr_set_post_ops(attr, ops), "attaching post-ops to \(what)")
        }
        var pd: dnnl_primitive_desc_t?
        try check(dnnl_primitive_desc_create(&pd, opDesc, attr, engine.engine, hint?.descriptor),
                  "choosing an implementation for \(what)")
        try self.init(descriptor: pd!, engine: engine, what: what)
    }

    /// Creates a reorder from `src` to `dst` layouts.
    convenience init(reorderFrom src: TensorDesc, to dst: TensorDesc, engine: Engine) throws {
        engine.pinThreads()
        var s = src.raw, d = dst.raw
        var attr: dnnl_primitive_attr_t?
        try check(dnnl_primitive_attr_create(&attr), "creating reorder attributes")
        defer { dnnl_primitive_attr_destroy(attr) }
        try check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user),
                  "asking for a user scratchpad for a reorder")
        var pd: dnnl_primitive_desc_t?
        try check(dnnl_reorder_primitive_desc_create(&pd, &s, engine.engine, &d, engine.engine, attr),
                  "creating a reorder \(src.dims) → \(dst.dims)")
        try self.init(descriptor: pd!, engine: engine, what: "reorder")
    }

    init(descriptor: dnnl_primitive_desc_t, engine: Engine, what: String) throws {
        var primitive: dnnl_primitive_t?
        let status = dnnl_primitive_create(&primitive, descriptor)
        if status != dnnl_success { dnnl_primitive_desc_destroy(descriptor) }
        try check(status, "creating the primitive for \(what)")
        self.descriptor = descriptor
        self.primitive = primitive!
        self.engine = engine
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(descriptor)
    }

    /// The memory descriptor the primitive chose for one of its arguments.
    func desc(_ query: dnnl_query_t, _ index: Int32 = 0) -> TensorDesc {
        TensorDesc(raw: dnnl_primitive_desc_query_md(descriptor, query, index).pointee)
    }

    /// Bytes of scratchpad the primitive needs (0 for none).
    var scratchpadBytes: Int { desc(dnnl_query_scratchpad_md).byteCount }

    /// The implementation oneDNN picked, e.g. `jit_wino_4x3:avx512_core`, `brgconv:avx512_core`
    /// or `ref:any` — the last one means a silent fall-back to slow reference code.
    var implementation: String {
        var name: UnsafePointer<CChar>?
        dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name)
        return name.map { String(cString: $0) } ?? "unknown"
    }

    func execute(_ arguments: [(Int32, Memory)], scratchpad: Scratchpad?) throws {
        engine.pinThreads()
        var args = arguments.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.handle) }
        let needed = scratchpadBytes
        var temporary: Scratchpad?
        if needed > 0 {
            // One-off work (weight reorders at load time) may pass none and gets a temporary one.
            let pad = try scratchpad ?? Scratchpad(bytes: needed, engine: engine)
            guard pad.byteCount >= needed else {
                throw DNNLError(operation: "executing \(implementation)",
                                status: "needs a scratchpad of \(needed) bytes, was given \(pad.byteCount)")
            }
            args.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: pad.memory.handle))
            if scratchpad == nil { temporary = pad }
        }
        try check(dnnl_primitive_execute(primitive, engine.stream, Int32(args.count), args),
                  "executing \(implementation)")
        // A temporary scratchpad must outlive the work that uses it.
        if temporary != nil { try engine.wait() }
    }
}

/// One scratch buffer shared by all primitives of a plan (they run one after another).
public final class Scratchpad: @unchecked Sendable {
    let memory: Memory
    public let byteCount: Int

    public init(bytes: Int, engine: Engine) throws {
        byteCount = max(bytes, 64)
        memory = try Memory(TensorDesc([(byteCount + 3) / 4], .x), engine: engine)
    }
}
