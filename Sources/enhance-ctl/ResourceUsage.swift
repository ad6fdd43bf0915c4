/// Peak resident memory of this process, as the kernel counts it.
import Foundation

enum ResourceUsage {
    /// VmHWM from /proc/self/status, in bytes.
    static var peakResidentBytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kb * 1024
        }
        return 0
    }

    /// Resets the peak to the current resident size (Linux ≥ 4.0: writing 5 to clear_refs), so
    /// one process can measure the peak of several configurations in turn.
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }
}
