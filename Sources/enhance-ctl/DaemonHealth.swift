/// What `enhance-ctl status` concludes about the daemon, and the exit status a monitor reads from
/// it — the convention of `systemctl status` (LSB): 0 running, 3 not running, 1 otherwise.
#if canImport(Glibc)
import Glibc
#endif
import Common
import JobQueue

enum DaemonHealth: Equatable {
    /// Its process exists and its heartbeat is recent.
    case running
    /// It stopped in order (its record says so), or it never ran on this database.
    case stopped
    /// Its record says running but its pid is gone: killed hard (SIGKILL, OOM, a crash).
    case gone
    /// Its pid exists but it has not beaten for `Liveness.staleAfter`: hung, or stopped by SIGSTOP.
    case hung

    init(_ record: DaemonRecord?, now: Double) {
        guard let record else { self = .stopped; return }
        if record.stoppedAt != nil { self = .stopped; return }
        // EPERM: the pid exists but belongs to another user (the daemon runs as `enhance`).
        guard kill(record.pid, 0) == 0 || errno == EPERM else { self = .gone; return }
        self = now - record.heartbeatAt < Liveness.staleAfter ? .running : .hung
    }

    /// The word `--json` has always printed for it (a hung and a vanished daemon alike are "not
    /// responding", so that output stays as scripts know it).
    var word: String {
        switch self {
        case .running: "running"
        case .stopped: "stopped"
        case .gone, .hung: "not responding"
        }
    }

    /// A process that is not there is "not running" (3) whether it stopped or was killed; one
    /// that is there but silent is an error (1), as is anything that kept `status` from
    /// deciding (a broken database).
    var exitStatus: Int32 {
        switch self {
        case .running: 0
        case .stopped, .gone: 3
        case .hung: 1
        }
    }

    /// `status`'s exit status when the daemon is not running (also: no database yet).
    static let notRunning: Int32 = 3
}
