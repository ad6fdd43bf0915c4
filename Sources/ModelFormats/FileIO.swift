import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and crash-safe replacement, with errno turned into
/// `ModelFormatError`s that name the file. POSIX rather than FileManager
/// because atomic replacement needs fsync on both the file and its directory.
enum FileIO {
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        func failure(_ what: String) -> ModelFormatError {
            ModelFormatError(.io, file: path, "\(what): \(String(cString: strerror(errno)))")
        }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("cannot create temporary file \(temporary)") }
        var committed = false
        defer {
            if !committed { unlink(temporary) }
        }
        do {
            defer { close(descriptor) }
            var written = 0
            try bytes.withUnsafeBytes { raw in
                while written < raw.count {
                    let result = write(descriptor, raw.baseAddress! + written, raw.count - written)
                    if result < 0 {
                        if errno == EINTR { continue }
                        throw failure("cannot write")
                    }
                    written += result
                }
            }
            guard fsync(descriptor) == 0 else { throw failure("cannot fsync") }
        }
        guard rename(temporary, path) == 0 else { throw failure("cannot rename \(temporary) into place") }
        committed = true
        // The rename is only durable once the directory entry is on disk too.
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
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
