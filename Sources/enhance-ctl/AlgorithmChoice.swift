/// `--algorithm`: how the stride-1 3×3 convolutions run.
import ArgumentParser
import Neural

/// The values `--algorithm` takes, so `--help` lists them and any other word is a usage error
/// (exit status 64) before a command starts. Kept here rather than as a conformance of
/// `Convolution.Algorithm`: Neural knows nothing of the command line.
enum AlgorithmChoice: String, CaseIterable, ExpressibleByArgument {
    /// Winograd where oneDNN implements it for the shapes, direct otherwise.
    case auto
    case winograd
    case direct

    var algorithm: Convolution.Algorithm {
        switch self {
        case .auto: .auto
        case .winograd: .winograd
        case .direct: .direct
        }
    }
}
