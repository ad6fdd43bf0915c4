/// `enhance-ctl jobs`: the newest jobs, optionally in one state.
import ArgumentParser
import Foundation
import JobQueue

extension JobState: ExpressibleByArgument {}

struct Jobs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List jobs, newest first.")

    @OptionGroup var options: QueueOptions
    @Option(name: .long, help: "Only jobs in this state: queued, running, done, failed or skipped.")
    var state: JobState?
    @Option(name: .long, help: "At most this many jobs (1 or more).") var limit = 20
    @Flag(name: .long, help: "Print JSON instead of text.") var json = false

    func validate() throws {
        // The queue reads a negative LIMIT as "no limit": a typo would list every job.
        if limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
    }

    func run() throws {
        try reportingFailures {
            let jobs = try options.openQueue().jobs(state: state, limit: limit)
            if json { return try printJSON(jobs) }
            if jobs.isEmpty { return print("no jobs\(state.map { " \($0.rawValue)" } ?? "")") }
            let now = JobQueue.now()
            print(TextTable(["ID", "STATE", "TRIES", "AGE", "SOURCE"], rightAligned: [0, 2, 3], rows: jobs.map {
                ["\($0.id)", $0.state.rawValue, "\($0.attempts)", duration(now - $0.createdAt), shortened($0.sourcePath, to: 48)]
            }).render())
        }
    }
}
