/// enhance-ctl: everything a person types — one-shot upscaling, model import, benchmarks.
import ArgumentParser
import Common
import Foundation

@main
struct EnhanceCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enhance-ctl",
        abstract: "Sharpen photos 4× with the SRGAN generator, and manage the models it uses.",
        version: Product.version,
        subcommands: [Upscale.self, ModelCommand.self, Bench.self, QueueCommand.self,
                      Status.self, Jobs.self, Show.self, Retry.self, Enqueue.self, Pause.self, Resume.self,
                      FineTune.self, Evaluate.self]
    )

    /// `--config` is accepted before the subcommand too (see `LeadingConfigOption`).
    static func main() {
        main(LeadingConfigOption.rearranged(Array(CommandLine.arguments.dropFirst()), root: Self.self))
    }
}


/// A failure the user should read as one line: `enhance-ctl: <file>: <cause>`, exit status 1.
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command body, turning any error into one line on stderr and exit status 1 (instead of
/// ArgumentParser's usage text, which is for mistakes in the command line itself).
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        FileHandle.standardError.write(Data("enhance-ctl: \(error)\n".utf8))
        throw ExitCode(1)
    }
}
