/// `enhance-ctl bench queue`: that it runs and what its JSON holds, through the real binary.
/// Never its rates: those depend on the load on the machine.
import Foundation
import Testing
import TestSupport

@Suite("enhance-ctl bench queue")
struct QueueBenchTests {
    @Test("on SQLite, --jobs 50 --workers 1,4 --json gives one row per worker count, every job claimed once, with rate and latencies")
    func sqliteRows() throws {
        let result = try runCommand(try TestEnvironment.binary("enhance-ctl"),
                                    ["bench", "queue", "--jobs", "50", "--workers", "1,4", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["workers"] as? Int } == [1, 4])
        for row in rows {
            #expect(row["backend"] as? String == "sqlite")
            #expect(row["jobs"] as? Int == 50)
            #expect(["debug", "release"].contains(row["build"] as? String ?? ""))
            for key in ["claimsPerSecond", "p50ClaimMilliseconds", "p99ClaimMilliseconds", "seconds"] {
                #expect((row[key] as? Double).map { $0 > 0 } == true, "\(key): \(row[key] ?? "missing")")
            }
            #expect((row["p99ClaimMilliseconds"] as? Double ?? 0) >= (row["p50ClaimMilliseconds"] as? Double ?? 1))
        }
    }

    @Test("with --url it measures PostgreSQL too, in a schema of its own that is gone afterwards")
    func postgresqlLeavesNothing() throws {
        let cluster = try PostgresCluster.shared()
        let url = try cluster.createDatabase("benchqueue")
        let result = try runCommand(try TestEnvironment.binary("enhance-ctl"),
                                    ["bench", "queue", "--url", url, "--jobs", "20", "--workers", "2", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["backend"] as? String } == ["sqlite", "postgresql"])
        let schemas = try runCommand(PostgresCluster.binaries + "/psql", [url, "-At", "-c",
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'enhance_scratch_%'"])
        #expect(schemas.status == 0, "\(schemas.stderr)")
        #expect(schemas.stdout == "0\n")
    }

    @Test("a worker list that is not whole numbers is one usage error")
    func badWorkers() throws {
        let result = try runCommand(try TestEnvironment.binary("enhance-ctl"), ["bench", "queue", "--workers", "1,x"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--workers must be positive whole numbers separated by commas, got \"1,x\""), "\(result.stderr)")
    }
}
