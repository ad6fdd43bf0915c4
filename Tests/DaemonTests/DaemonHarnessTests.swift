/// The harness's configuration is what the daemon's tests believe it to be: a setting lands in
/// the table it names, replaces the default there, and the file stays valid TOML that the
/// daemon's own loader accepts.
import Configuration
import Foundation
import Testing

@Suite("DaemonHarness configuration")
struct DaemonHarnessTests {
    @Test("a setting for [workers] lands in [workers], beside the harness's own worker keys")
    func settingInAnEarlierTable() throws {
        let h = try DaemonHarness("harness", settings: "[workers]\nshutdown_timeout = 0")
        let c = try DaemonConfiguration.load(file: h.configPath)
        #expect(c.shutdownTimeout == 0)
        #expect(c.workers == 1 && c.threadsPerWorker == 1 && c.lease == 30, "the defaults of the table are kept")
        #expect(c.initialDelay == 0.2 && c.maxDelay == 1, "and those of the other tables")
        let text = try String(contentsOfFile: h.configPath, encoding: .utf8)
        #expect(text.components(separatedBy: "[workers]").count == 2, "one [workers] table:\n\(text)")
    }

    @Test("a setting replaces the default of the same key; a new table is added")
    func replacingAndAdding() throws {
        let h = try DaemonHarness("harness", settings: """
            [workers]
            count = 2
            [output]
            name_pattern = "{name}.sharp.{ext}"
            """)
        let c = try DaemonConfiguration.load(file: h.configPath)
        #expect(c.workers == 2 && c.threadsPerWorker == 1)
        #expect(c.naming.pattern == "{name}.sharp.{ext}")
        try h.writeConfiguration(settings: "[retry]\nmax_delay = 5")
        let rewritten = try DaemonConfiguration.load(file: h.configPath)
        #expect(rewritten.workers == 1 && rewritten.maxDelay == 5, "each write starts again from the defaults")
    }

    @Test("a key before any table header is refused, not filed under whichever table came last")
    func keyWithoutTable() throws {
        #expect(throws: HarnessError.self) { try DaemonHarness("harness", settings: "shutdown_timeout = 0") }
    }
}
