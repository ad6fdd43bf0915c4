#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The names our temporary files get: `.enh-<16 hex digits>.tmp`, 25 bytes whatever the final
/// name is. The old `.NAME.partial-<random>` added 26 bytes to NAME, so a legal 230-byte output
/// name failed with "File name too long"; a fixed-length name can always be created wherever the
/// final name can. It is hidden and ends in `.tmp`, so the folder watcher ignores it, and its
/// exact shape lets `StaleTemporaries` recognise our own leftovers without touching anyone else's.
public enum TemporaryName {
    public static let prefix = ".enh-"
    public static let suffix = ".tmp"
    static let hexDigits = 16

    /// A fresh name (64 random bits, so two writers in one folder never meet; creation is
    /// O_EXCL anyway).
    public static func make() -> String {
        let hex = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return prefix + String(repeating: "0", count: hexDigits - hex.count) + hex + suffix
    }

    /// Whether `name` (a last path component) has exactly the shape `make()` produces.
    public static func isTemporary(_ name: String) -> Bool {
        let utf8 = Array(name.utf8)
        guard utf8.count == prefix.utf8.count + hexDigits + suffix.utf8.count,
              name.hasPrefix(prefix), name.hasSuffix(suffix) else { return false }
        return utf8[prefix.utf8.count..<(prefix.utf8.count + hexDigits)].allSatisfy {
            ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
        }
    }
}
