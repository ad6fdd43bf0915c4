/// `enhance-ctl retry`: send failed (or skipped) jobs back to the queue with fresh attempts.
import ArgumentParser
import Foundation

struct Retry: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Queue a failed or skipped job again, or every failed job.")

    @OptionGroup var options: QueueOptions
    @Argument(help: "The job's id.") var id: Int64?
    @Flag(name: .long, help: "Every failed job.") var failed = false

    func validate() throws {
        guard (id == nil) != !failed else { throw ValidationError("give either a job id or --failed") }
    }

    func run() throws {
        try reportingFailures {
            let queue = try options.openQueue()
            if failed {
                print("\(try queue.retryAllFailed()) failed job(s) queued again")
            } else if let id {
                guard let job = try queue.job(id: id) else { throw Failure("job \(id): no such job") }
                guard try queue.retry(id: id) else {
                    throw Failure("job \(id): is \(job.state.rawValue); only failed or skipped jobs are retried")
                }
                print("job \(id): queued again")
            }
        }
    }
}
