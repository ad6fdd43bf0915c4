/// `--model` and `--threads`: which generator a command runs, and on how many oneDNN threads.
import ArgumentParser
import Foundation

/// Shared by the commands that run the installed generator on a thread count (`upscale`,
/// `bench memory`), so the flags, their help, the default model and the check on the thread
/// count are written once.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model file (default: the installed SRGAN generator).")
    var model: String?

    @Option(help: "CPU threads for the network (default: all cores).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// `--model`, else the installed default. A missing file is a `Failure` (exit status 1)
    /// naming it, not a usage error: the command line was right, the machine is not set up.
    func modelPath() throws -> String { try ModelLocator.resolve(model) }

    var threadCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }
}
