/// How wide the lines `enhance-ctl` prints for people may be.
#if canImport(Glibc)
import Glibc
#endif
import Foundation

enum TerminalWidth {
    /// `$COLUMNS` when set (a person's explicit wish, and what shells export), else the width of
    /// the terminal on standard output, else 80 (a pipe or a file: the width mail, logs and
    /// code review read best).
    static var current: Int {
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text), columns > 0 {
            return max(columns, minimum)
        }
        var size = winsize()
        if isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return max(Int(size.ws_col), minimum)
        }
        return 80
    }

    /// Below this a label and a few characters of value no longer fit on a line.
    static let minimum = 40
}
