
/// The daemon's lock file, `<database>.lock`: held with `flock` while a daemon runs on that
/// database (a second one is refused), and holding its pid as decimal digits and a newline,
/// which `enhance-ctl fine-tune --promote` reads to send SIGHUP.
public enum DaemonLockFile {
    public static func path(forDatabase database: String) -> String { database + ".lock" }

    /// The file's content for `pid`.
    public static func contents(pid: Int32) -> String { "\(pid)\n" }

    /// The pid in a lock file's content; nil when it holds none.
    public static func pid(in contents: String) -> Int32? {
        let digits = contents.split(whereSeparator: { $0 == "\n" || $0 == " " }).first.map(String.init) ?? ""
        guard let pid = Int32(digits), pid > 0 else { return nil }
        return pid
    }
}
