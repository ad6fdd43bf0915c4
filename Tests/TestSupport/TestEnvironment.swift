/// Where tests find the package, fixtures, installed models and the built binaries.
///
/// The models come from the project's set-up (`scripts/setup`), never from the repository; a test
/// that needs them fails with a message saying how to install them, rather than being skipped.
import Foundation

public enum TestEnvironment {
    /// The package root (this file is Tests/TestSupport/TestEnvironment.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func fixture(_ target: String, _ name: String) -> String {
        packageRoot.appendingPathComponent("Tests/\(target)/Fixtures/\(name)").path
    }

    /// `$ENHANCE_MODEL_DIR`, else `var/models` in the package.
    public static var modelDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["ENHANCE_MODEL_DIR"], !dir.isEmpty { return dir }
        return packageRoot.appendingPathComponent("var/models").path
    }

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// The path of an installed model such as `srgan-gan.safetensors`.
    public static func model(_ name: String) throws -> String {
        let path = modelDirectory + "/" + name
        guard FileManager.default.fileExists(atPath: path) else {
            throw Missing(description: "\(path) is missing: run scripts/setup (it fetches and imports the pretrained weights)")
        }
        return path
    }

    /// A binary built beside the test bundle (same configuration), e.g. `enhance-ctl`.
    /// `$ENHANCE_TEST_BINARIES` overrides the location: to run today's tests against another
    /// build (e.g. to see a test fail against the code before a fix).
    public static func binary(_ name: String) throws -> String {
        if let directory = ProcessInfo.processInfo.environment["ENHANCE_TEST_BINARIES"], !directory.isEmpty {
            return directory + "/" + name
        }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [bundle, bundle.deletingLastPathComponent()] {
            let path = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw Missing(description: "\(name) was not built next to \(bundle.path): build with `swift build --build-tests`")
    }

    /// A fresh empty directory, removed by the caller with `removeItem` when done.
    public static func temporaryDirectory(_ label: String = "enhance-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
