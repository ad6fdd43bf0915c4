#if canImport(Glibc)
import Glibc
#endif

/// A directory entry's name as the kernel gives it: bytes. Swift's `String` is Unicode text, and
/// a name that is not valid UTF-8 (`bad\xff.png`, typical of old Latin-1 archives) cannot be one
/// without changing it, after which the path no longer exists. Such a name is shown with each
/// offending byte escaped as `\xNN` and marked invalid, so that it can be reported instead of
/// silently vanishing.
struct FileName: Equatable {
    /// The name, with invalid bytes escaped when `isValid` is false.
    var text: String
    var isValid: Bool

    init(text: String, isValid: Bool) {
        self.text = text
        self.isValid = isValid
    }

    init(bytes: UnsafeBufferPointer<UInt8>) {
        if let valid = String(validating: bytes, as: UTF8.self) {
            text = valid
            isValid = true
            return
        }
        isValid = false
        var escaped = ""
        var index = 0
        while index < bytes.count {
            // The longest valid UTF-8 sequence starting here (1…4 bytes), else one escaped byte.
            var taken = 0
            for length in stride(from: min(4, bytes.count - index), through: 1, by: -1) {
                let slice = UnsafeBufferPointer(rebasing: bytes[index..<(index + length)])
                if let piece = String(validating: slice, as: UTF8.self), piece.unicodeScalars.count == 1 {
                    escaped += piece
                    taken = length
                    break
                }
            }
            if taken == 0 {
                escaped += "\\x" + String(bytes[index], radix: 16, uppercase: false).leftPadded(to: 2)
                taken = 1
            }
            index += taken
        }
        text = escaped
    }

    init(cString: UnsafePointer<CChar>) {
        let length = strlen(cString)
        self = cString.withMemoryRebound(to: UInt8.self, capacity: length) {
            FileName(bytes: UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// The entries of a directory (not `.` and `..`), or none when it cannot be read.
    /// `FileManager.contentsOfDirectory` cannot be used: it drops or alters names that are not
    /// UTF-8.
    static func entries(of directory: String) -> [FileName] {
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var names: [FileName] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { FileName(cString: $0) }
            }
            if name.text != "." && name.text != ".." { names.append(name) }
        }
        return names
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
