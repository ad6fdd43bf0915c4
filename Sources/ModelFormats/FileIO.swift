import Foundation
import Storage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and crash-safe replacement (Storage's `AtomicFile`), with
/// errno turned into `ModelFormatError`s that name the file.
enum FileIO {
    /// Models and checkpoints go through Storage: write, fsync, rename, fsync(dir), under a
    /// temporary name that fits however long the model's name is.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        do throws(StorageError) {
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw ModelFormatError(.io, file: path, error.detail)
        }
    }

    static func readWholeFile(_ path: String) throws -> [UInt8] {
        func failure(_ what: String) -> ModelFormatError {
            ModelFormatError(.io, file: path, "\(what): \(String(cString: strerror(errno)))")
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("cannot open") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("cannot stat") }
        let size = Int(status.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        try bytes.withUnsafeMutableBytes { raw in
            while filled < size {
                let result = read(descriptor, raw.baseAddress! + filled, size - filled)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw failure("cannot read")
                }
                if result == 0 { break }
                filled += result
            }
        }
        // A file that shrank under us is read as what we got; the format checks catch it.
        return Array(bytes.prefix(filled))
    }
}
