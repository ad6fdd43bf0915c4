#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole byte arrays (sidecars, models, checkpoints) written in one call through a
/// `PendingFile`: write, fsync, rename, fsync(dir).
public enum AtomicFile {
    /// Replaces `path` with `bytes` atomically; `mode` as in `PendingFile.init(replacing:mode:)`.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(StorageError) {
        let file = try PendingFile(replacing: path, mode: mode)
        try file.write(bytes)
        try file.commit()
    }
}
