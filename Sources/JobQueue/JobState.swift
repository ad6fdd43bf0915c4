/// Where a job is in its life: queued → running → done | failed, or queued again after a
/// transient failure or a lost lease; skipped when the same content was already enhanced or the
/// source went away.
public enum JobState: String, Sendable, CaseIterable, Codable {
    case queued, running, done, failed, skipped
}
