/// A one-line progress bar on stderr for work that takes more than about a second.
import Foundation

/// Draws nothing for the first second (quick jobs stay quiet) and nothing at all when stderr is
/// not a terminal (logs should not fill with carriage returns).
final class ProgressBar {
    private let label: String
    private let start = DispatchTime.now().uptimeNanoseconds
    private let enabled: Bool
    private var drawn = false
    private var lastPercent = -1

    init(_ label: String, enabled: Bool = isatty(STDERR_FILENO) != 0) {
        self.label = label
        self.enabled = enabled
    }

    private var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    func update(_ fraction: Double) {
        guard enabled, elapsed >= 1 else { return }
        let percent = Int(fraction * 100)
        guard percent != lastPercent else { return }
        lastPercent = percent
        let width = 30
        let filled = min(width, Int(fraction * Double(width)))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let line = "\r\(label) \(bar) \(percent)%  \(Int(elapsed))s elapsed, ~\(Int(eta.rounded()))s left "
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        drawn = false
    }
}
