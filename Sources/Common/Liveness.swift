/// How the daemon shows it is alive, and how `enhance-ctl status` judges that.
public enum Liveness {
    /// Seconds between the daemon's heartbeats (database record, expired-lease recovery,
    /// systemd's watchdog when it asks for less).
    public static let heartbeatInterval = 2.0

    /// A heartbeat older than this means the daemon is hung or gone: five missed beats, so a
    /// busy disk or a paused VM does not make a healthy daemon look dead.
    public static let staleAfter = 5 * heartbeatInterval
}
