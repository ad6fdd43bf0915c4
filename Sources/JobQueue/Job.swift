/// One source file to enhance with one model and one set of parameters.
public struct Job: Sendable, Codable, Equatable {
    public var id: Int64
    /// The absolute path of the source on the host that queued it (a worker on another host
    /// finds it by `rootName` and `relativePath` instead, when the job has them).
    public var sourcePath: String
    /// The name of the watched root the source was found under (nil: queued before roots had
    /// names, or from outside every root): with `relativePath`, the file on any host.
    public var rootName: String?
    /// The source's path below its root, without a leading "/".
    public var relativePath: String?
    public var sha256: String
    public var size: Int64
    /// Seconds since 1970 of the source's modification when it was enqueued.
    public var mtime: Double
    public var modelID: String
    public var paramsKey: String
    public var state: JobState
    public var attempts: Int
    public var lastError: String?
    /// For a done job: what its output does not carry as asked, one line each.
    public var warnings: String?
    /// For a skipped duplicate: the job that enhances the same content.
    public var duplicateOf: Int64?
    public var outputPath: String?
    public var leaseOwner: String?
    public var leaseExpiry: Double?
    /// A queued job is not claimed before this time (retry back-off).
    public var notBefore: Double
    /// 0…1 while running.
    public var progress: Double
    /// Seconds the enhancement took.
    public var elapsed: Double?
    public var outputPixels: Int64?
    /// For a done job: the quality its JPEG source was saved at, when its tables are IJG's.
    public var jpegQuality: Int?
    /// For a done job: the noise σ estimated in its source, on the 0…255 scale.
    public var noiseSigma: Double?
    /// For a done job: the model that enhanced it (`modelID` is the route it was keyed by).
    public var modelName: String?
    public var modelSHA256: String?
    public var createdAt: Double
    public var updatedAt: Double
    public var startedAt: Double?
    public var finishedAt: Double?

    init(_ row: Row) {
        id = row.int64("id") ?? 0
        sourcePath = row.string("source_path") ?? ""
        rootName = row.string("root_name")
        relativePath = row.string("relative_path")
        sha256 = row.string("sha256") ?? ""
        size = row.int64("size") ?? 0
        mtime = row.double("mtime") ?? 0
        modelID = row.string("model_id") ?? ""
        paramsKey = row.string("params_key") ?? ""
        state = JobState(rawValue: row.string("state") ?? "") ?? .queued
        attempts = row.int("attempts")
        lastError = row.string("last_error")
        warnings = row.string("warnings")
        duplicateOf = row.int64("duplicate_of")
        outputPath = row.string("output_path")
        leaseOwner = row.string("lease_owner")
        leaseExpiry = row.double("lease_expiry")
        notBefore = row.double("not_before") ?? 0
        progress = row.double("progress") ?? 0
        elapsed = row.double("elapsed")
        outputPixels = row.int64("output_pixels")
        jpegQuality = row.int64("jpeg_quality").map { Int($0) }
        noiseSigma = row.double("noise_sigma")
        modelName = row.string("model_name")
        modelSHA256 = row.string("model_sha256")
        createdAt = row.double("created_at") ?? 0
        updatedAt = row.double("updated_at") ?? 0
        startedAt = row.double("started_at")
        finishedAt = row.double("finished_at")
    }
}

/// What the watcher (or `enhance-ctl enqueue`) knows about a file it wants enhanced.
public struct JobSubmission: Sendable, Equatable {
    public var sourcePath: String
    /// The root the file was found under and its path below it (see `Job.rootName`): on a
    /// shared queue, the identity of "this very file" across hosts.
    public var rootName: String?
    public var relativePath: String?
    public var sha256: String
    public var size: Int64
    public var mtime: Double
    public var modelID: String
    public var paramsKey: String

    public init(sourcePath: String, rootName: String? = nil, relativePath: String? = nil, sha256: String,
                size: Int64, mtime: Double, modelID: String, paramsKey: String) {
        self.sourcePath = sourcePath
        self.rootName = rootName
        self.relativePath = relativePath
        self.sha256 = sha256
        self.size = size
        self.mtime = mtime
        self.modelID = modelID
        self.paramsKey = paramsKey
    }
}

/// What `enqueue` did with a submission.
public enum EnqueueOutcome: Sendable, Equatable {
    /// A new job, waiting for a worker.
    case queued(Job)
    /// This very file (root and relative path, else absolute path; and content) with this model
    /// and parameters is already a job.
    case known(Job)
    /// Same content as another job's source: recorded as skipped, pointing at `original`.
    case duplicate(Job, original: Job)

    public var job: Job {
        switch self {
        case .queued(let job), .known(let job), .duplicate(let job, _): job
        }
    }
}
