#if canImport(Glibc)
import Glibc
#endif

/// The canonical absolute path (symlinks resolved), or nil when it does not resolve.
public func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}
