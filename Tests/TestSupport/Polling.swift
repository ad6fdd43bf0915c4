/// Waiting for something that happens on another thread or in another process, by polling with
/// a deadline: nothing sleeps a fixed time and then asserts.
///
/// `eventually` answers "has it happened yet?" and stops at the first poll that says yes — so on
/// its own it cannot tell "once" from "once, and again a moment later". Where a test means
/// exactly once (one report, one job, one output), follow it with `holds(for:)`, or use
/// `eventuallySteady`, which does both: a second, late event breaks the condition during the
/// grace period and fails the test.
import Foundation

/// Polls `condition` every `interval` seconds until it holds or `timeout` seconds pass; whether it
/// held.
public func eventually(timeout: Double = 10, interval: Double = 0.05, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(timeout)
    while Date() < end {
        if condition() { return true }
        usleep(useconds_t(interval * 1e6))
    }
    return condition()
}

/// Polls `condition` every `interval` seconds for `grace` seconds; true only when it held at every
/// poll. "Nothing further happens": a condition such as `count == 1` turns false as soon as a
/// second matching event arrives.
public func holds(for grace: Double, interval: Double = 0.05, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(grace)
    repeat {
        if !condition() { return false }
        usleep(useconds_t(interval * 1e6))
    } while Date() < end
    return condition()
}

/// `eventually`, then `holds(for: grace)`: the condition comes true within `timeout` and stays
/// true for `grace` seconds more — "exactly this, and nothing after it".
public func eventuallySteady(timeout: Double = 10, grace: Double, interval: Double = 0.05,
                             _ condition: () -> Bool) -> Bool {
    eventually(timeout: timeout, interval: interval, condition) && holds(for: grace, interval: interval, condition)
}
