/// Those told when a worker's job starts and ends: the metrics and the hooks. Both return at
/// once (counting, or handing the event to the hooks' own queue), so a worker never waits.
struct JobObservers: Sendable {
    let hooks: HookRunner
    let metrics: DaemonMetrics
}
