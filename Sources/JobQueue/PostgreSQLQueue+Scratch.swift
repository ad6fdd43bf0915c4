import Foundation

extension PostgreSQLQueue {
    /// Runs `body` on a queue in a new schema of its own in the database at `url`, then drops
    /// the schema, whatever `body` did: a benchmark measures an empty queue and leaves the
    /// database as it found it, even one a cluster works on. Needs the CREATE privilege on the
    /// database.
    public static func withScratchSchema<T>(url: String, passwordFile: String?, node: String,
                                            _ body: (PostgreSQLQueue) throws -> T) throws -> T {
        let schema = "enhance_scratch_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        let admin = PGPool(conninfo: url, passfile: passwordFile, context: try describe(url),
                           applicationName: "enhance scratch")
        _ = try admin.with { try $0.run("CREATE SCHEMA \(schema)") }
        defer { _ = try? admin.with { try $0.run("DROP SCHEMA \(schema) CASCADE") } }
        let queue = try PostgreSQLQueue(url: url, passwordFile: passwordFile, node: node,
                                        options: "-c search_path=\(schema)")
        return try body(queue)
    }
}
