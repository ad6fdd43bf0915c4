#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A path split into its folder and last component, with the checks every writer needs before
/// it creates anything. Plain string work: no Foundation, so `//` and trailing slashes are the
/// caller's business (the paths here come from configuration and `OutputPlan`).
struct FilePath {
    /// The folder, "." for a bare name and "/" for a name at the root.
    let directory: String
    let name: String

    init(_ path: String) {
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
            name = String(path[path.index(after: slash)...])
        } else {
            directory = "."
            name = path
        }
    }

    /// A sibling in the same folder (so a rename between the two stays on one filesystem).
    func sibling(_ other: String) -> String {
        directory == "/" ? "/" + other : directory + "/" + other
    }

    /// Fails at once when the final name itself cannot exist: longer than the folder's
    /// filesystem allows (pathconf's NAME_MAX; 255 bytes when it cannot say, the limit of
    /// ext4, XFS, btrfs and NFS alike). Anything shorter is created through a 25-byte
    /// temporary name, so it never fails for length halfway through a job.
    func checkNameFits(path: String) throws(StorageError) {
        let bytes = name.utf8.count
        guard bytes > 0, name != ".", name != ".." else {
            throw StorageError(.notRegularFile, path: path, detail: "not a file name")
        }
        var limit = 255
        if bytes > 14 {  // POSIX guarantees at least 14; only ask when it could matter
            errno = 0
            let reported = pathconf(directory, Int32(_PC_NAME_MAX))
            if reported > 0 { limit = Int(reported) }
        }
        guard bytes <= limit else {
            throw StorageError(.nameTooLong, path: path,
                               detail: "name too long for this filesystem (\(bytes) bytes, at most \(limit))",
                               errno: ENAMETOOLONG)
        }
    }
}
