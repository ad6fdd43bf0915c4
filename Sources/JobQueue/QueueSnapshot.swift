/// A whole queue as stored, column by column, for moving it to another backend (`enhance-ctl
/// queue migrate`): the rows are raw so that a column added by a later migration travels
/// without code here knowing its name.
public struct QueueSnapshot: Sendable {
    /// The jobs table's columns, in the table's order.
    public let columns: [String]
    /// Every job in id order (a duplicate's original before it), column → stored value.
    public let rows: [[String: SQLValue]]
    public let paused: Bool
    /// The daemon that last ran on the queue, if one ever did.
    public let daemon: DaemonRecord?

    /// How many jobs are in each state.
    public var counts: [JobState: Int] {
        var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
        for row in rows {
            if let state = row["state"]?.string.flatMap(JobState.init(rawValue:)) { counts[state, default: 0] += 1 }
        }
        return counts
    }
}
