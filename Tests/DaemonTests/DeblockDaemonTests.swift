/// JPEG deblocking in the daemon's pipeline (issue 14, item 3): by default (`deblock =
/// "auto"`) a heavily compressed JPEG is deblocked within its own quantization tables before
/// the network and its History says so; a fine one is not; `deblock = "off"` turns it off and
/// is part of the jobs' key. The real daemon, real JPEGs, exiftool.
import Foundation
import JobQueue
import Testing
import TestSupport

@Suite("enhanced: JPEG deblocking before the network", .serialized)
struct DeblockDaemonTests {
    static func parameters(_ output: String) throws -> String {
        let tags = try ExifTool.tags(output)
        let history = (tags["XMP-xmpMM:History"] as? [[String: Any]]) ?? []
        return history.compactMap { $0["Parameters"] as? String }.last ?? ""
    }

    @Test("by default a q30 JPEG is deblocked first and its History says so; a q95 one is not")
    func byDefault() throws {
        let h = try DaemonHarness("deblock-auto")
        try h.start()
        try h.drop("low.jpg", try DaemonHarness.photo(0, size: 32, format: .jpeg, quality: 30))
        try h.drop("high.jpg", try DaemonHarness.photo(0, size: 32, format: .jpeg, quality: 95))
        #expect(h.waitFor([.done: 2], timeout: 90), "\(h.counts())\n\(h.log)")
        let low = try Self.parameters(h.inbox + "/low.x4.jpg")
        #expect(low.contains("; deblocked within the input's JPEG quantization tables; input JPEG quality 30"), "\(low)")
        let high = try Self.parameters(h.inbox + "/high.x4.jpg")
        #expect(!high.contains("deblocked") && high.contains("input JPEG quality 95"), "\(high)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("deblock = \"off\" leaves a q30 JPEG as decoded, and its jobs are keyed apart from the default's")
    func off() throws {
        let h = try DaemonHarness("deblock-off", settings: "[model]\ndeblock = \"off\"")
        try h.start()
        try h.drop("low.jpg", try DaemonHarness.photo(0, size: 32, format: .jpeg, quality: 30))
        #expect(h.waitFor([.done: 1], timeout: 90), "\(h.counts())\n\(h.log)")
        #expect(try !Self.parameters(h.inbox + "/low.x4.jpg").contains("deblocked"))
        let job = try #require(try h.queue().jobs().first)
        #expect(job.paramsKey.hasSuffix(" deblock=off"), "\(job.paramsKey)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }
}
