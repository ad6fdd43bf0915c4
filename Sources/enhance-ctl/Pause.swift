/// `enhance-ctl pause`: workers finish what they run and take nothing new; files keep being
/// queued.
import ArgumentParser

struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop starting new jobs (running ones finish).")

    @OptionGroup var options: QueueOptions

    func run() throws {
        try reportingFailures {
            try options.openQueue(create: true).setPaused(true)
            print("paused: running jobs finish, no new job starts until `enhance-ctl resume`")
        }
    }
}
