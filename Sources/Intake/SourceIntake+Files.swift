import FolderWatch
import Foundation

extension SourceIntake {
    /// A path given to `enqueue` (or a root a dry run scans) that does not exist.
    public struct NoSuchPath: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "\(path): no such file or folder" }
    }

    /// A file as given (absolute), or a folder's files, recursively, sorted, leaving out folders
    /// the watcher leaves out; files the rules ignore only when `includingIgnored` is false
    /// (a dry run lists them with the reason).
    public static func files(under path: String, rules: IgnoreRules, includingIgnored: Bool = false) throws -> [String] {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
            throw NoSuchPath(path: path)
        }
        guard isDirectory.boolValue else { return [absolute] }
        let found = FileManager.default.enumerator(atPath: absolute)?.compactMap { $0 as? String } ?? []
        return found.filter { relative in
            let parts = relative.split(separator: "/").map(String.init)
            guard !parts.dropLast().contains(where: rules.ignoresDirectory) else { return false }
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: absolute + "/" + relative, isDirectory: &isFolder)
            return exists && !isFolder.boolValue && (includingIgnored || !rules.ignoresFile(parts.last ?? ""))
        }.map { absolute + "/" + $0 }.sorted()
    }
}
