/// Hashing: SHA-256 of files and byte sequences, as the lower-case hex that `sha256sum` prints
/// and that the queue, provenance sidecars and model metadata store.
///
/// The compression function is swift-crypto's (BoringSSL's assembly on Linux, CryptoKit on Apple
/// systems): every photo the daemon takes in is hashed whole, so this is on the intake's path.
/// The module is on its own, below ModelFormats, so the daemon and both executables hash files
/// without linking weight-file code.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto

/// An incremental SHA-256 (FIPS 180-4), and one-call digests of bytes and files.
///
/// The name shadows `Crypto.SHA256` on purpose: call sites say `SHA256.hexDigest(ofFile:)` and
/// never import Crypto, so the spelling they used before swift-crypto did the work still holds.
///
/// `@unchecked Sendable`: swift-crypto 3's hasher does not declare it, but it is a value with
/// copy-on-write storage (its BoringSSL context is copied before a shared one is mutated), which
/// is what Sendable asks of a value type.
public struct SHA256: @unchecked Sendable {
    private var hasher = Crypto.SHA256()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        // Contiguous sequences (arrays, slices) go straight through; others are copied once.
        if bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) != nil { return }
        Array(bytes).withUnsafeBytes { update($0) }
    }

    /// The 32-byte digest. The hasher itself is left as it was, so more bytes may follow.
    public func finalize() -> [UInt8] {
        Array(hasher.finalize())
    }

    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Lower-case hex, the spelling `sha256sum` prints and our metadata stores.
    public static func hex(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(digest.count * 2)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return text
    }

    /// Hex digest of bytes in memory.
    public static func hexDigest<Bytes: Sequence>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        hex(hash(bytes))
    }

    /// Bytes read per `read(2)`: large enough that system calls cost nothing next to hashing,
    /// small enough that hashing a 100 MP TIFF or a 94 MB discriminator keeps memory flat.
    public static let chunkSize = 1 << 20

    /// Hex digest of a file's bytes, read in `chunkSize` pieces so memory stays bounded whatever
    /// the file's size. Throws `HashingError` naming the file.
    public static func hexDigest(ofFile path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw HashingError(file: path, "cannot open for hashing: \(systemError())") }
        defer { close(descriptor) }
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw HashingError(file: path, "cannot read for hashing: \(systemError())")
            }
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        return hex(hasher.finalize())
    }

    private static func systemError() -> String { String(cString: strerror(errno)) }
}
