/// Where an output and its sidecar go: beside the source, or mirrored under the outbox in the
/// source's folders relative to its root — and, for a source outside every root (`enhance-ctl
/// enqueue` of another folder), in the outbox itself.
import Configuration
@testable import Daemon
import Testing

@Suite("OutputPlan")
struct OutputPlanTests {
    /// A configuration from TOML, as the daemon reads one (paths are absolute already).
    func configuration(_ output: String, roots: String = #"["/photos/inbox", "/scans"]"#) throws -> DaemonConfiguration {
        try DaemonConfiguration.parse("""
            [watch]
            roots = \(roots)
            [output]
            \(output)
            """, file: nil, baseDirectory: "/")
    }

    var mirror: DaemonConfiguration {
        get throws { try configuration(#"location = "mirror"\#noutbox = "/photos/out""#) }
    }

    @Test("mirror: the source's folders under its root are repeated under the outbox")
    func mirrorKeepsRelativeFolders() throws {
        let plan = OutputPlan(source: "/photos/inbox/2024/march/beach.jpg", configuration: try mirror)
        #expect(plan.outputPath == "/photos/out/2024/march/beach.x4.jpg")
        #expect(plan.sidecarPath == "/photos/out/2024/march/beach.x4.jpg.xmp")
        #expect(plan.directory == "/photos/out/2024/march")
    }

    @Test("mirror: a source directly in a root goes directly into the outbox, whichever root it is")
    func mirrorTopLevel() throws {
        #expect(OutputPlan(source: "/photos/inbox/a.png", configuration: try mirror).outputPath == "/photos/out/a.x4.png")
        #expect(OutputPlan(source: "/scans/1999/b.png", configuration: try mirror).outputPath == "/photos/out/1999/b.x4.png")
    }

    @Test("mirror: a source outside every root goes into the outbox itself, without its own folders",
          arguments: ["/home/ann/elsewhere/c.png", "/c.png",
                      "/photos/inbox-old/c.png"])   // shares the root's name as a prefix, but is not under it
    func mirrorOutsideEveryRoot(source: String) throws {
        let plan = OutputPlan(source: source, configuration: try mirror)
        #expect(plan.outputPath == "/photos/out/c.x4.png")
        #expect(plan.directory == "/photos/out")
    }

    @Test("mirror with another output format and naming pattern")
    func mirrorFormatAndName() throws {
        let c = try configuration(#"""
            location = "mirror"
            outbox = "/photos/out"
            format = "png"
            name_pattern = "{name}-big.{ext}"
            """#)
        #expect(OutputPlan(source: "/photos/inbox/2024/d.jpeg", configuration: c).outputPath == "/photos/out/2024/d-big.png")
    }

    @Test("output.format names the output's extension; same keeps the source's, except HEIC/AVIF (read only) give JPEG",
          arguments: [("same", "scan.tif", "scan.x4.tif"), ("same", "a.TIFF", "a.x4.TIFF"), ("same", "w.webp", "w.x4.webp"),
                      ("same", "phone.heic", "phone.x4.jpg"), ("same", "p.HEIF", "p.x4.jpg"), ("same", "q.avif", "q.x4.jpg"),
                      ("tiff", "b.jpg", "b.x4.tif"), ("webp", "c.png", "c.x4.webp"), ("png", "d.heic", "d.x4.png")])
    func formats(format: String, source: String, output: String) throws {
        let c = try configuration("format = \"\(format)\"")
        #expect(OutputPlan(source: "/photos/inbox/" + source, configuration: c).outputPath == "/photos/inbox/" + output)
        #expect(c.naming.isOutputName(output), "the watcher knows \(output) for our own")
    }

    @Test("beside: next to the source, wherever it is")
    func beside() throws {
        let c = try configuration(#"format = "jpeg""#)
        #expect(OutputPlan(source: "/photos/inbox/2024/e.png", configuration: c).outputPath == "/photos/inbox/2024/e.x4.jpg")
        #expect(OutputPlan(source: "/elsewhere/e.png", configuration: c).outputPath == "/elsewhere/e.x4.jpg")
    }
}
