#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The repository checkout the running executable was built in, if it was: then the embedded
/// default configuration and the default model directory are that checkout's `var/`, whatever
/// the current directory (`scripts/run` and `.build/release/enhance-ctl status` started from
/// anywhere agree on one queue). An installed binary (`/usr/local/bin`) has none.
public enum Checkout {
    /// The folder holding `Package.swift` above the executable's build folder
    /// (`<checkout>/.build/<configuration>/enhanced`, or a test bundle under it; a second build
    /// folder `.build-NAME` or `.build_NAME`, as .gitignore allows, counts too); nil elsewhere.
    public static let root: String? = {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        // /proc/self/exe: the file actually running, symlinks resolved, however it was started.
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let executable = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let parts = executable.split(separator: "/", omittingEmptySubsequences: false)
        guard let build = parts.lastIndex(where: { $0 == ".build" || $0.hasPrefix(".build-") || $0.hasPrefix(".build_") }),
              build > 0 else { return nil }
        let root = parts[..<build].joined(separator: "/")
        return FileManager.default.fileExists(atPath: root + "/Package.swift") ? root : nil
    }()
}
