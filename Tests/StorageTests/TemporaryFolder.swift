/// Shared helpers: a throwaway folder per test (real files, so the kernel's answers are the
/// ones tested), and the one way a Storage failure is checked.
import Foundation
import Storage
import Testing

final class TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "storage-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ text: String, to name: String) throws -> String {
        let target = file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        return target
    }

    func makeFolder(_ name: String) throws -> String {
        let target = file(name)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        return target
    }

    /// Everything in the folder, hidden files included.
    func contents(_ sub: String? = nil) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: sub.map(file) ?? path).sorted()
    }

    func text(_ name: String) throws -> String {
        try String(contentsOfFile: file(name), encoding: .utf8)
    }
}

/// The process umask, read without changing it (umask(2) can only set it, and setting it
/// would race with the other tests creating files in parallel).
func currentUmask() -> mode_t {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in status.split(separator: "\n") where line.hasPrefix("Umask:") {
        return mode_t(line.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8) ?? 0o022
    }
    return 0o022
}

func permissions(_ path: String) -> mode_t {
    var s = stat()
    return stat(path, &s) == 0 ? s.st_mode & 0o7777 : 0
}

/// Runs `body`, which must fail with a `StorageError` of `kind` whose description names `path`.
@discardableResult
func expectStorageFailure(_ kind: StorageError.Kind, naming path: String,
                          sourceLocation: SourceLocation = #_sourceLocation,
                          _ body: () throws -> Void) -> StorageError? {
    let error = #expect(throws: StorageError.self, sourceLocation: sourceLocation) { try body() }
    guard let error else { return nil }
    #expect(error.kind == kind, "got \(error.kind): \(error)", sourceLocation: sourceLocation)
    #expect(error.description.contains(path), "\(error)", sourceLocation: sourceLocation)
    #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
    return error
}
