/// Where a job's wall-clock time goes, stage by stage: what `enhance-ctl bench archive` reports
/// and what tells a change to the pipeline whether it moved time into the network or just around.
import Foundation

/// Accumulated nanoseconds per stage of enhancing photos, plus the plan cache's hits and misses.
///
/// Owned by the one thread that runs the jobs it times (a worker, or the bench): it is neither
/// locked nor atomic, so a clock is never shared between threads that run at once. Timing costs
/// two clock reads per measured call, a few dozen per tile row.
public final class StageClock: @unchecked Sendable {
    /// The stages, in the order a job passes them.
    public enum Stage: String, CaseIterable, Codable, Sendable {
        /// The job queue and the intake: enqueue (with the intake's own hash), claim, reserve, complete.
        case queue
        /// The worker's check that the bytes are the queued ones (sha256 over the file).
        case hashing
        /// The quality and noise pass over the input (`InputEstimate`), a decode of its own.
        case estimate
        /// Decoding the rows the network reads, with alpha's bleed.
        case decode
        /// Building generator plans for tile sizes not cached yet.
        case planCreation
        /// The generator itself, on every tile.
        case network
        /// Copying tiles out, feathering them into the output band and normalising it.
        case blending
        /// Metadata, the encoder and its rows (with any resampling and flattening).
        case encode
        /// Flushing the output and sidecar to disk and the renames (`PairedCommit`).
        case fsync
    }

    public private(set) var nanoseconds: [Stage: UInt64] = [:]
    public var planHits = 0
    public var planMisses = 0

    public init() {}

    /// Runs `body`, adding its wall-clock time to `stage`.
    @inline(__always)
    public func measure<T, E: Error>(_ stage: Stage, _ body: () throws(E) -> T) throws(E) -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { add(stage, nanoseconds: DispatchTime.now().uptimeNanoseconds - start) }
        return try body()
    }

    public func add(_ stage: Stage, nanoseconds amount: UInt64) {
        nanoseconds[stage, default: 0] += amount
    }

    /// Moves `amount` from one stage to another: plan creation is timed inside the network's call.
    func move(_ amount: UInt64, from: Stage, to: Stage) {
        let moved = min(amount, nanoseconds[from, default: 0])
        nanoseconds[from, default: 0] -= moved
        nanoseconds[to, default: 0] += moved
    }

    public func seconds(_ stage: Stage) -> Double { Double(nanoseconds[stage, default: 0]) / 1e9 }

    public var totalSeconds: Double { Stage.allCases.reduce(0) { $0 + seconds($1) } }

    /// Adds everything `other` holds into this clock.
    public func add(_ other: StageClock) {
        for (stage, amount) in other.nanoseconds { add(stage, nanoseconds: amount) }
        planHits += other.planHits
        planMisses += other.planMisses
    }
}
