/// `enhance-ctl resume`: undo `pause`.
import ArgumentParser

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start new jobs again after `pause`.")

    @OptionGroup var options: QueueOptions

    func run() throws {
        try reportingFailures {
            try options.openQueue(create: true).setPaused(false)
            print("resumed")
        }
    }
}
