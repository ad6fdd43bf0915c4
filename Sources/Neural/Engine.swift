/// The CPU engine and the stream primitives run on, with the OpenMP thread count they use.
import CDNNL

/// oneDNN's CPU engine plus an in-order stream.
///
/// `libdnnl.so.2` in Debian uses OpenMP and fixes a primitive's thread count when the primitive is
/// created, from the creating thread's `omp_set_num_threads`. So the engine records its thread
/// count and every primitive creation and execution re-asserts it on the calling thread: a worker
/// thread from Dispatch starts with OpenMP's default (all cores) otherwise.
///
/// Not thread-safe: one engine (with the primitives built on it) belongs to one worker at a time.
public final class Engine: @unchecked Sendable {
    let engine: dnnl_engine_t
    let stream: dnnl_stream_t
    public let threads: Int

    public init(threads: Int) throws {
        precondition(threads >= 1, "thread count must be at least 1")
        self.threads = threads
        _ = cdnnl_set_num_threads(Int32(threads))
        var engine: dnnl_engine_t?
        try check(dnnl_engine_create(&engine, dnnl_cpu, 0), "creating the CPU engine")
        var stream: dnnl_stream_t?
        let status = dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue)
        if status != dnnl_success { dnnl_engine_destroy(engine) }
        try check(status, "creating a stream")
        self.engine = engine!
        self.stream = stream!
    }

    deinit {
        dnnl_stream_destroy(stream)
        dnnl_engine_destroy(engine)
    }

    /// Makes this thread's OpenMP thread count the engine's.
    func pinThreads() { _ = cdnnl_set_num_threads(Int32(threads)) }

    /// Blocks until everything submitted to the stream has finished.
    public func wait() throws {
        try check(dnnl_stream_wait(stream), "waiting for the stream")
    }

    /// The number of hardware threads OpenMP would use by default.
    public static var defaultThreads: Int { Int(cdnnl_max_threads()) }
}
