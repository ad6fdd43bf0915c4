import CHDF5
import Foundation

/// The one door to libhdf5. Builds of libhdf5 differ: Debian's is thread-safe,
/// Homebrew's and many others are not, so every call is serialised here. The
/// library's habit of printing error stacks to stderr is switched off (the
/// switch is per thread in thread-safe builds, hence on every entry) and its
/// error stack is turned into text for our own typed errors instead.
enum HDF5Library {
    private static let lock = NSLock()

    static func locked<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        _ = H5Eset_auto2(enhance_h5e_default(), nil, nil)
        _ = H5Eclear2(enhance_h5e_default())
        return try body()
    }

    /// The most specific message on the current error stack ("file signature
    /// not found" rather than "unable to open file"), then clears the stack.
    static func takeErrorMessage() -> String {
        final class Messages { var texts: [String] = [] }
        let messages = Messages()
        let callback: H5E_walk2_t = { _, entry, clientData in
            guard let entry, let clientData, let text = entry.pointee.desc else { return 0 }
            Unmanaged<Messages>.fromOpaque(clientData).takeUnretainedValue().texts.append(String(cString: text))
            return 0
        }
        _ = H5Ewalk2(enhance_h5e_default(), H5E_WALK_UPWARD, callback, Unmanaged.passUnretained(messages).toOpaque())
        _ = H5Eclear2(enhance_h5e_default())
        withExtendedLifetime(messages) {}
        return messages.texts.first { !$0.isEmpty } ?? "no details from libhdf5"
    }
}
