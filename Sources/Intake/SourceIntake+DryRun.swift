import JobQueue

extension SourceIntake.Outcome {
    /// One line saying what submitting the path would do, for `--dry-run` (run against a
    /// scratch copy of the queue, see `JobQueue(scratchCopyOf:)`): queued, with where its output
    /// and sidecar would go; skipped or left alone, and why. Jobs the run itself made exist only
    /// in the copy, so lines name their files rather than their ids.
    public func dryRunLine(_ path: String, output: (String) -> (output: String, sidecar: String)) -> String {
        switch self {
        case .queued:
            let (out, sidecar) = output(path)
            return "would queue    \(path) → \(out) (sidecar \(sidecar))"
        case .duplicate(_, let original):
            return "would skip     \(path): same content as \(original.sourcePath)"
        case .known(let job), .unchanged(let job):
            return "already known  \(path): job \(job.id) (\(job.state.rawValue)); nothing to do"
        case .ignored(let reason):
            return "would ignore   \(reason)"
        case .rejected(_, let reason):
            return "would fail     \(reason)"
        }
    }
}
