/// Common: the facts more than one module states — the version, the defaults a person can
/// override in several places (JPEG quality, the pixel limit, tile geometry), how often the
/// daemon proves itself alive and when `status` stops believing it, and the lock file's
/// format. One home each, so that the daemon, `enhance-ctl` and the libraries cannot drift
/// apart. No dependencies: every module may import it.

/// What this build is.
public enum Product {
    /// The version both executables report, and the provenance `softwareAgent` carries.
    public static let version = "0.1.0"
}
