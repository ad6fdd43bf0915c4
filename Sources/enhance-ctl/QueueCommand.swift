/// `enhance-ctl queue …`: the job queue itself, as opposed to its jobs.
import ArgumentParser

struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Manage the job queue itself.",
        subcommands: [QueueMigrate.self])
}
