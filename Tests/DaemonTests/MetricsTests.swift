/// `[metrics] textfile_dir`: the daemon's Prometheus metrics, as node_exporter's textfile
/// collector serves them. The test runs the real node_exporter (Debian's
/// prometheus-node-exporter) on loopback, scrapes it with curl and checks the numbers against
/// the queue.
import Foundation
import Testing
import JobQueue
import TestSupport

/// One sample of the text exposition format: `name{label="value",…} number`.
struct Sample: Equatable {
    var name: String
    var labels: [String: String]
    var value: Double

    static func parse(_ text: String) -> [Sample] {
        text.split(separator: "\n").compactMap { raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#"),
                  let match = line.wholeMatch(of: #/([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/#),
                  let value = Double(match.3 == "+Inf" ? "inf" : String(match.3)) else { return nil }
            var labels: [String: String] = [:]
            for pair in (match.2.map(String.init) ?? "").matches(of: #/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/#) {
                labels[String(pair.1)] = String(pair.2)
            }
            return Sample(name: String(match.1), labels: labels, value: value)
        }
    }
}

extension [Sample] {
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
    }
}

@Suite("enhanced: Prometheus metrics through node_exporter's textfile collector", .serialized)
struct MetricsTests {
    /// node_exporter serving only the textfile collector of `directory`, on a free loopback port.
    final class NodeExporter {
        let process = Process()
        let url: String

        init(directory: String) throws {
            var port = 0
            for candidate in (0..<20).map({ _ in Int.random(in: 20000..<60000) }) {
                let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(candidate).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                let bound = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                close(probe)
                if bound == 0 { port = candidate; break }
            }
            guard port != 0 else { throw HarnessError("no free loopback port") }
            url = "http://127.0.0.1:\(port)/metrics"
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus-node-exporter")
            process.arguments = ["--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults",
                                 "--collector.textfile", "--collector.textfile.directory=\(directory)"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            guard eventually(timeout: 20, { (try? self.scrape()) != nil }) else {
                throw HarnessError("node_exporter did not answer on \(url)")
            }
        }

        deinit {
            process.terminate()
            process.waitUntilExit()
        }

        func scrape() throws -> [Sample] {
            let result = try runCommand("/usr/bin/curl", ["-sf", url])
            guard result.status == 0 else { throw HarnessError("curl \(url): \(result.status)") }
            return Sample.parse(result.stdout)
        }
    }

    @Test("jobs by state, completed and failed by model, durations and sizes, the model, up — scraped as the queue says")
    func scrapedMetrics() throws {
        let h = try DaemonHarness("metrics")
        let textfiles = h.directory.appendingPathComponent("textfile").path
        try FileManager.default.createDirectory(atPath: textfiles, withIntermediateDirectories: true)
        try h.writeConfiguration(settings: "[metrics]\ntextfile_dir = \"\(textfiles)\"\ninterval = 0.3")
        let exporter = try NodeExporter(directory: textfiles)
        try h.start()
        for i in 0..<3 { try h.drop("good-\(i).png", try DaemonHarness.photo(i)) }
        try h.drop("bad.png", Array("not a PNG".utf8))
        #expect(h.waitFor([.done: 3, .failed: 1], timeout: 60), "\(h.counts())\n\(h.log)")

        var samples: [Sample] = []
        #expect(eventually(timeout: 10) {
            samples = (try? exporter.scrape()) ?? []
            return samples.value("enhance_jobs", ["state": "done"]) == 3 && samples.value("enhance_jobs_failed_total") == 1
        }, "\(samples.filter { $0.name.hasPrefix("enhance") })")
        // node_exporter read our file without complaint.
        #expect(samples.value("node_textfile_scrape_error") == 0)
        for state in JobState.allCases {
            #expect(samples.value("enhance_jobs", ["state": state.rawValue]) == Double(h.counts()[state] ?? 0), "\(state)")
        }
        let record = try #require(try h.queue().daemonRecord())
        #expect(samples.value("enhance_model_info", ["name": "srgan-gan", "sha256": record.modelSHA256]) == 1)
        #expect(samples.value("enhance_jobs_completed_total", ["model": "srgan-gan"]) == 3)
        #expect(samples.value("enhance_jobs_failed_total", ["model": "srgan-gan"]) == 1)

        let done = try h.queue().jobs(state: .done)
        let elapsed = done.compactMap(\.elapsed).reduce(0, +)
        #expect(samples.value("enhance_job_duration_seconds_count") == 3)
        #expect(abs((samples.value("enhance_job_duration_seconds_sum") ?? -1) - elapsed) < 1e-6, "queue: \(elapsed)")
        // Each 16×16 photo becomes a 64×64 output: 0.004096 MP, below the first bucket's bound.
        #expect(samples.value("enhance_output_megapixels_count") == 3)
        #expect(abs((samples.value("enhance_output_megapixels_sum") ?? -1) - 3 * 0.004096) < 1e-9)
        #expect(samples.value("enhance_output_megapixels_bucket", ["le": "0.01"]) == 3)
        #expect(samples.value("enhance_up") == 1)
        #expect(samples.value("enhance_oldest_queued_age_seconds") == 0)
        #expect(samples.value("enhance_queue_paused") == 0)
        let busy = try #require(samples.value("enhance_worker_busy_ratio"))
        #expect(busy >= 0 && busy <= 1)
        let written = try #require(samples.value("enhance_heartbeat_timestamp_seconds"))
        #expect(abs(written - Date().timeIntervalSince1970) < 30)

        // A paused queue with a photo waiting: its age grows.
        #expect(try h.ctl(["pause"]).status == 0)
        try h.drop("waiting.png", try DaemonHarness.photo(9))
        #expect(eventually(timeout: 20) {
            samples = (try? exporter.scrape()) ?? []
            return samples.value("enhance_queue_paused") == 1 && (samples.value("enhance_oldest_queued_age_seconds") ?? 0) >= 1
        }, "\(samples.filter { $0.name.hasPrefix("enhance") })")
        #expect(samples.value("enhance_jobs", ["state": "queued"]) == 1)

        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
        samples = try exporter.scrape()
        #expect(samples.value("enhance_up") == 0, "the file left at stop says the daemon is down")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: textfiles)
        #expect(leftovers == ["enhanced.prom"], "only the finished file, no temporaries: \(leftovers)")
    }
}
