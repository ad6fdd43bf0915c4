/// Hands finished output rows to a sink on a thread of its own, so encoding overlaps the network.
import Foundation

/// The streamed network hands over a batch of finished rows every step; encoding them (PNG's
/// deflate above all) took 3.6 % of `bench archive`'s time on the network's thread, with the
/// other cores idle meanwhile. Here the network thread copies each batch into one of `depth`
/// buffers and goes on; it waits only when all of them are still being encoded.
///
/// State: `queue`, `spare`, `inFlight`, `closed`, `done` and `failure` are guarded by `condition`;
/// the sink is touched by the writer thread only, from `init` until `finish` or `abandon`
/// returns (the caller keeps it alive and away meanwhile); `waitNanoseconds` belongs to the
/// caller's thread.
final class BackgroundRowWriter<Sink: RowSink>: Drainer, @unchecked Sendable {
    private let sink: UnsafeMutablePointer<Sink>
    private let rowFloats: Int
    private let depth = 2
    private let condition = NSCondition()
    private var queue: [(count: Int, rows: [Float])] = []
    private var spare: [[Float]] = []
    private var inFlight = 0
    private var closed = false
    private var discard = false
    private var done = false
    private var failure: (any Error)?
    /// How long `write` waited for a free buffer: the encoding the network could not hide.
    private(set) var waitNanoseconds: UInt64 = 0

    init(sink: UnsafeMutablePointer<Sink>, rowFloats: Int) {
        (self.sink, self.rowFloats) = (sink, rowFloats)
        // Through a non-generic existential: the thread's closure then captures no metatype.
        let drainer: any Drainer = self
        let thread = Thread { drainer.drain() }
        thread.name = "enhance row writer"
        thread.start()
    }

    /// Queues `count` rows (`count · rowFloats` floats, copied); throws the sink's error, once
    /// it has failed, instead.
    func write(_ count: Int, from rows: UnsafePointer<Float>) throws {
        condition.lock()
        let start = DispatchTime.now().uptimeNanoseconds
        while inFlight >= depth && failure == nil { condition.wait() }
        waitNanoseconds += DispatchTime.now().uptimeNanoseconds - start
        if let failure {
            condition.unlock()
            throw failure
        }
        inFlight += 1
        var buffer = spare.popLast() ?? []
        condition.unlock()
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: UnsafeBufferPointer(start: rows, count: count * rowFloats))
        condition.lock()
        queue.append((count, buffer))
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until every queued row is written; throws the sink's error if it failed.
    func finish() throws {
        try stop(discarding: false)
    }

    /// Stops without writing what is still queued (the caller is failing anyway).
    func abandon() {
        try? stop(discarding: true)
    }

    private func stop(discarding: Bool) throws {
        condition.lock()
        closed = true
        discard = discarding
        condition.broadcast()
        while !done { condition.wait() }
        let failure = self.failure
        condition.unlock()
        if let failure, !discarding { throw failure }
    }

    func drain() {
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            if queue.isEmpty || discard {
                done = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let item = queue.removeFirst()
            let failed = failure != nil
            condition.unlock()
            var error: (any Error)?
            if !failed {
                do {
                    try item.rows.withUnsafeBufferPointer { try sink.pointee.writeRows(item.count, from: $0) }
                } catch let e {
                    error = e
                }
            }
            condition.lock()
            if let error { failure = error }
            inFlight -= 1
            spare.append(item.rows)
            condition.broadcast()
            condition.unlock()
        }
    }
}

/// The writer thread's loop, behind a type with no generic parameter.
private protocol Drainer: AnyObject, Sendable {
    func drain()
}
