/// The two queue backends, as a parameter of the conformance tests: each test gets a fresh,
/// empty queue of its own (a SQLite file in a temporary folder, or a new database on the test
/// run's throw-away PostgreSQL server) and can open a second handle on the same queue (another
/// process's connection: `enhance-ctl`, or another node).
import Foundation
import JobQueue
import Testing
import TestSupport

enum QueueBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgresql

    var testDescription: String { rawValue }

    /// The node name the stores of these tests run as (the first part of their lease owners).
    static let node = "node-a"

    /// A fresh queue and a way to open more handles on it; the folder to remove afterwards.
    func makeQueue() throws -> (queue: any JobStore, reopen: (String) throws -> any JobStore, directory: URL) {
        let directory = try TestEnvironment.temporaryDirectory("jobstore-\(rawValue)")
        switch self {
        case .sqlite:
            let path = directory.appendingPathComponent("state/enhance.sqlite").path
            return (try JobQueue(path: path), { _ in try JobQueue(path: path, create: false, busyTimeout: 5) }, directory)
        case .postgresql:
            let url = try PostgresCluster.shared().createDatabase("conformance")
            return (try PostgreSQLQueue(url: url, node: Self.node),
                    { try PostgreSQLQueue(url: url, node: $0) }, directory)
        }
    }
}
