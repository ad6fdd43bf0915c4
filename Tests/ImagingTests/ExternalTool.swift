/// Runs the Debian tools that make and check foreign files (tiffcp, cwebp, heif-enc, exiftool),
/// so tests read files other encoders wrote, not only our own.
import Foundation

struct ToolResult {
    var status: Int32
    var output: String
    var errors: String
}

enum ExternalTool {
    static func exists(_ name: String) -> Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/\(name)") }

    @discardableResult
    static func run(_ name: String, _ arguments: [String]) throws -> ToolResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/\(name)")
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ToolResult(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                          errors: String(decoding: errors, as: UTF8.self))
    }
}
