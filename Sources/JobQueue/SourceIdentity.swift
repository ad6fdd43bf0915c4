/// What "this very file" means to a queue, for both backends: the root name and relative path
/// when the job and the file both have them (hosts that mount one share at different places
/// agree on those, not on absolute paths), else the absolute path (jobs queued before roots
/// had names, files queued from outside every root). Written as SQL whose parameters the
/// caller numbers (`?` for SQLite, `$n` for PostgreSQL), as two index-friendly alternatives.
struct SourceIdentity {
    var sourcePath: String
    var rootName: String?
    var relativePath: String?

    init(sourcePath: String, rootName: String?, relativePath: String?) {
        self.sourcePath = sourcePath
        self.rootName = rootName
        self.relativePath = relativePath
    }

    init(_ s: JobSubmission) {
        self.init(sourcePath: s.sourcePath, rootName: s.rootName, relativePath: s.relativePath)
    }

    /// The condition on a `jobs` row; `parameter` binds a value and returns its placeholder, in
    /// the order they appear in the text.
    ///
    /// `orSamePath`: also any job of the same absolute path, whatever its root — what an
    /// enqueue must find, since the unique index on the path would refuse a second such row
    /// (a root renamed on this host names the same files anew).
    func condition(orSamePath: Bool = false, _ parameter: (SQLValue) -> String) -> String {
        guard let rootName, let relativePath else { return "source_path = \(parameter(sourcePath.sqlValue))" }
        let root = parameter(rootName.sqlValue), relative = parameter(relativePath.sqlValue)
        let path = parameter(sourcePath.sqlValue)
        return "((root_name = \(root) AND relative_path = \(relative)) OR (\(orSamePath ? "" : "root_name IS NULL AND ")source_path = \(path)))"
    }

    /// The claim condition of a node that has only the roots `names` (nil: every job): jobs
    /// without a root (found by absolute path) stay anyone's.
    static func claimFilter(roots names: [String]?, _ parameter: (SQLValue) -> String) -> String {
        guard let names else { return "" }
        guard !names.isEmpty else { return " AND root_name IS NULL" }
        return " AND (root_name IS NULL OR root_name IN (\(names.map { parameter($0.sqlValue) }.joined(separator: ", "))))"
    }
}
